/** The deadline input with its presets, shared by the drain and shed dialogs. */
import { useId } from 'react';
import { DEADLINE_PRESETS, type DeadlineResult, deadlineText } from '../../operations/deadline.js';

/** Props of {@link DeadlineField}. */
export interface DeadlineFieldProps {
  readonly text: string;
  readonly parsed: DeadlineResult;
  readonly onText: (text: string) => void;
  /** A sentence under the field on what the deadline means here. */
  readonly hint: string;
}

/** "Deadline (seconds)" with 10 s / 30 s / 2 min / 10 min buttons; the message when invalid. */
export function DeadlineField({ text, parsed, onText, hint }: DeadlineFieldProps) {
  const inputId = useId();
  const hintId = useId();
  const messageId = useId();
  return (
    <div className="operation-field">
      <label htmlFor={inputId}>Deadline (seconds)</label>
      <div className="deadline-row">
        <input
          id={inputId}
          className="operation-input deadline-input"
          type="text"
          inputMode="decimal"
          autoComplete="off"
          spellCheck={false}
          value={text}
          aria-invalid={parsed.ok ? undefined : true}
          aria-describedby={`${hintId} ${messageId}`}
          onChange={(event) => onText(event.target.value)}
        />
        <fieldset className="deadline-presets">
          <legend className="visually-hidden">Deadline presets</legend>
          {DEADLINE_PRESETS.map((preset) => (
            <button
              key={preset.ms}
              type="button"
              className="operation-button is-small"
              aria-pressed={parsed.ok && parsed.ms === preset.ms}
              onClick={() => onText(deadlineText(preset.ms))}
            >
              {preset.label}
            </button>
          ))}
        </fieldset>
      </div>
      <p id={hintId} className="operation-hint">
        {hint}
      </p>
      <p id={messageId} className="operation-field-message" role="status">
        {parsed.ok ? '' : parsed.message}
      </p>
    </div>
  );
}
