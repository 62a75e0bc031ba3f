// A Playwright global setup (https://playwright.dev/docs/test-global-setup-teardown#option-2-configure-globalsetup-and-globalteardown):
// starts the Clerk API emulator, applies seed.yaml to it and hands the instance to the tests through environment
// variables, as Playwright's docs pass data from a global setup. The function it returns is the teardown.
//
//   // playwright.config.ts
//   export default defineConfig({ globalSetup: './examples/playwright/global-setup.ts' });
//
// In a test (or the app under test): process.env.CLERK_API_URL and process.env.CLERK_SECRET_KEY.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apply, startEmulator } from 'clerk-sync';

const SEED = fileURLToPath(new URL('./seed.yaml', import.meta.url));

export async function globalSetup(): Promise<() => Promise<void>> {
  const emulator = await startEmulator({ port: 0 });
  // The journal and lock files of this throwaway instance stay out of the project.
  const scratch = await mkdtemp(join(tmpdir(), 'clerk-sync-seed-'));
  try {
    const outcome = await apply(
      { files: [SEED] },
      {
        autoApprove: true,
        secretKey: emulator.secretKey,
        apiUrl: emulator.url,
        cwd: scratch,
        // The emulator is local and serves only this run: the whole rate budget.
        rateShare: 1,
      },
    );
    if (outcome.status !== 'applied' || !outcome.verified) {
      throw new Error(`seeding the emulator did not converge: ${outcome.failed} failed, ${outcome.skipped} skipped`);
    }
  } catch (error) {
    await emulator.close();
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
  process.env.CLERK_API_URL = emulator.url;
  process.env.CLERK_SECRET_KEY = emulator.secretKey;
  return async () => {
    await emulator.close();
    await rm(scratch, { recursive: true, force: true });
  };
}

// biome-ignore lint/style/noDefaultExport: Playwright runs the default export of the globalSetup file.
export default globalSetup;
