/** A labelled input (`type` narrowed for Preact's per-type attribute checks); the label is tied to it by id, a hint by aria-describedby. */
interface FieldProps {
  id: string;
  label: string;
  hint?: string;
  type?: 'text' | 'email' | 'password' | 'number' | 'date' | 'datetime-local';
  autocomplete?: string;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  min?: number | string;
  max?: number | string;
  defaultValue?: string;
  value?: string;
  onInput?: (event: Event) => void;
}

export function Field({ id, label, hint, type = 'text', ...input }: FieldProps) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} name={id} type={type as 'text'} {...input} aria-describedby={hint ? `${id}-hint` : undefined} />
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** The value of a form control by name, from a submit event. */
export function formValue(event: Event, name: string): string {
  const form = event.currentTarget as HTMLFormElement;
  return String(new FormData(form).get(name) ?? '');
}
