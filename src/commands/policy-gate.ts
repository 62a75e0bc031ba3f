// `plan` fails (exit 1) when the plan breaks a settings.policies rule: unlike --max-deletes, no flag lifts a policy,
// so CI stops at the plan, after every output (stdout, --out, annotations, the step summary) has shown the refusals.
// Said on stderr, not thrown: a JSON plan on stdout stays one JSON document.

import type { Plan } from '../plan/index.ts';
import type { CliIO } from './command.ts';

/** 1 (the refusal exit code) and a line on stderr when the plan breaks a policy; undefined when it obeys them all. */
export function policyExitCode(plan: Plan, io: CliIO): 1 | undefined {
  const refused = (plan.policies?.results ?? []).filter((result) => result.status === 'refused');
  if (refused.length === 0) return undefined;
  const codes = [...new Set(refused.flatMap((result) => (result.code === undefined ? [] : [result.code])))];
  io.stderr.write(
    `error[${codes[0] ?? 'policy'}]: the plan breaks ${refused.length} rule(s) of settings.policies (${codes.join(', ')}; listed above); apply refuses it\n  hint: Change the manifest (or the live data) so the plan obeys settings.policies. No flag lifts a policy.\n`,
  );
  return 1;
}
