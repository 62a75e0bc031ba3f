// Every option a command takes is named in its --help, and apply's usage lines name both forms and every option
// group (what a reader of the first lines needs to know exists).

import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, loadCommand } from '../../src/commands/registry.ts';

describe('--help', () => {
  it('names every option of every command', async () => {
    for (const name of COMMAND_NAMES) {
      const command = await loadCommand(name);
      for (const option of Object.keys(command?.options ?? {})) expect(command?.help, name).toContain(`--${option}`);
    }
  });

  it("apply's usage lines list both forms and every option group", async () => {
    const help = (await loadCommand('apply'))?.help ?? '';
    const usage = help.slice(0, help.indexOf('\n\n'));
    expect(usage).toContain('clerk-sync apply -f FILE...');
    expect(usage).toContain('clerk-sync apply PLAN [-f FILE...]');
    for (const option of [
      '--dry-run',
      '--auto-approve',
      '--continue-on-error',
      '--journal FILE',
      '--skip-verify',
      '--github',
    ]) {
      expect(usage).toContain(option);
    }
    for (const group of ['safety options', 'API options']) expect(usage).toContain(group);
    expect(help).toContain('Safety options:');
    expect(help).toContain('API options:');
  });

  it('plan and apply document the 10-live-user floor of the change-ratio guard', async () => {
    for (const name of ['plan', 'apply', 'drift']) {
      const help = (await loadCommand(name))?.help ?? '';
      if (help.includes('--max-change-ratio')) expect(help, name).toContain('applies from 10 live users up');
    }
  });
});
