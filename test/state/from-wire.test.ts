import { describe, expect, it } from 'vitest';
import { LiveStateError } from '../../src/errors.ts';
import { fromWireMembership, fromWireOrganization, fromWireUser } from '../../src/state/index.ts';
import { wireEmail, wireMembership, wireOrganization, wireUser } from './wire-fixtures.ts';

describe('fromWireUser', () => {
  it('maps every field, lower-cases emails and reads verification status', () => {
    const user = fromWireUser(
      wireUser({
        id: 'user_1',
        external_id: 'emp-1',
        username: 'ada',
        first_name: 'Ada',
        last_name: 'Lovelace',
        primary_email_address_id: 'idn_a',
        primary_phone_number_id: 'idn_p',
        email_addresses: [
          wireEmail('idn_a', 'Ada@Example.TEST'),
          wireEmail('idn_b', 'b@example.test', 'unverified'),
          wireEmail('idn_c', 'c@example.test', null),
        ],
        phone_numbers: [
          {
            id: 'idn_p',
            object: 'phone_number',
            phone_number: '+15555550100',
            reserved: false,
            verification: {
              object: 'verification_otp',
              status: 'expired',
              strategy: 'phone_code',
              attempts: 1,
              expire_at: 2,
            },
            linked_to: [],
            created_at: 1,
            updated_at: 1,
          },
        ],
        public_metadata: { plan: 'pro' },
        private_metadata: { clerkSync: { managedBy: 'clerk-sync' } },
        unsafe_metadata: { theme: 'dark' },
        banned: true,
        locked: true,
        created_at: 100,
        updated_at: 200,
      }),
    );
    expect(user).toStrictEqual({
      id: 'user_1',
      externalId: 'emp-1',
      emailAddresses: [
        { id: 'idn_a', emailAddress: 'ada@example.test', verified: true, linked: false },
        { id: 'idn_b', emailAddress: 'b@example.test', verified: false, linked: false },
        { id: 'idn_c', emailAddress: 'c@example.test', verified: false, linked: false },
      ],
      primaryEmailAddressId: 'idn_a',
      phoneNumbers: [{ id: 'idn_p', phoneNumber: '+15555550100', verified: false }],
      primaryPhoneNumberId: 'idn_p',
      username: 'ada',
      firstName: 'Ada',
      lastName: 'Lovelace',
      legalAcceptedAt: null,
      publicMetadata: { plan: 'pro' },
      privateMetadata: { clerkSync: { managedBy: 'clerk-sync' } },
      unsafeMetadata: { theme: 'dark' },
      banned: true,
      locked: true,
      lockoutExpiresInSeconds: null,
      createdAt: 100,
      updatedAt: 200,
    });
  });

  it('turns null or missing metadata into {}', () => {
    const user = fromWireUser(wireUser({ id: 'user_2', private_metadata: null }));
    expect(user.privateMetadata).toEqual({});
    expect(user.unsafeMetadata).toEqual({});
    expect(user.publicMetadata).toEqual({});
  });
});

describe('fromWireOrganization / fromWireMembership', () => {
  it('keeps id, slug, name, metadata, updatedAt, the member limit and the clerk-sync mark key', () => {
    expect(
      fromWireOrganization(wireOrganization({ id: 'org_1', slug: 'acme', name: 'Acme', updated_at: 9 })),
    ).toStrictEqual({
      id: 'org_1',
      slug: 'acme',
      name: 'Acme',
      key: null,
      publicMetadata: {},
      privateMetadata: {},
      maxAllowedMemberships: 0,
      updatedAt: 9,
    });
    const marked = fromWireOrganization(
      wireOrganization({
        id: 'org_2',
        slug: null,
        max_allowed_memberships: 7,
        private_metadata: { clerkSync: { key: 'acme' } },
      }),
    );
    expect(marked).toMatchObject({
      slug: null,
      key: 'acme',
      privateMetadata: { clerkSync: { key: 'acme' } },
      maxAllowedMemberships: 7,
    });
  });

  it('takes the user id from public_user_data and the organization id from the nested organization', () => {
    const org = wireOrganization({ id: 'org_1', slug: 'acme' });
    expect(fromWireMembership(wireMembership('orgmem_1', org, 'user_1', 'org:admin'))).toStrictEqual({
      id: 'orgmem_1',
      organizationId: 'org_1',
      userId: 'user_1',
      role: 'org:admin',
      updatedAt: 20,
    });
  });

  it('refuses a membership without a user rather than inventing one', () => {
    const org = wireOrganization({ id: 'org_1', slug: 'acme' });
    expect(() => fromWireMembership(wireMembership('orgmem_1', org, undefined))).toThrow(LiveStateError);
  });
});
