// The confirmation prompt before apply, like Terraform's: the question, then a one-line input. Only the exact word
// `yes` (surrounding spaces ignored) approves; Enter on anything else, Ctrl+C or Ctrl+D declines. Reports the answer
// once through `onAnswer` and then exits its Ink app.

import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { paint } from './theme.ts';

export interface ConfirmPromptProps {
  message: string;
  /** Called exactly once, with true only for `yes`. */
  onAnswer: (accepted: boolean) => void;
  /** @default false */
  color?: boolean;
}

export function isApproval(answer: string): boolean {
  return answer.trim() === 'yes';
}

export function ConfirmPrompt(props: ConfirmPromptProps) {
  const { message, onAnswer, color = false } = props;
  const { exit } = useApp();
  // Keys typed faster than React re-renders arrive in one batch; a ref sees each one's effect immediately.
  const typed = useRef('');
  const [value, setValue] = useState('');
  const [answer, setAnswer] = useState<boolean | undefined>(undefined);

  useInput(
    (input, key) => {
      if (key.ctrl && (input === 'c' || input === 'd')) {
        setAnswer(false);
        return;
      }
      if (key.return) {
        setAnswer(isApproval(typed.current));
        return;
      }
      if (key.backspace || key.delete) {
        typed.current = typed.current.slice(0, -1);
        setValue(typed.current);
        return;
      }
      if (key.ctrl || key.meta || key.escape || key.tab) return;
      // Pasted text arrives as one input and may carry the Enter that followed it.
      for (const char of input) {
        if (char === '\r' || char === '\n') {
          setValue(typed.current);
          setAnswer(isApproval(typed.current));
          return;
        }
        if (char >= ' ') typed.current += char;
      }
      setValue(typed.current);
    },
    { isActive: answer === undefined },
  );

  useEffect(() => {
    if (answer === undefined) return;
    onAnswer(answer);
    exit();
  }, [answer, onAnswer, exit]);

  return (
    <Box flexDirection="column">
      <Text>{paint(message, 'strong', color)}</Text>
      <Text>
        {'  Enter a value: '}
        {value}
        {answer === undefined ? <Text inverse> </Text> : null}
      </Text>
    </Box>
  );
}
