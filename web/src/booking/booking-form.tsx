import { useId, useRef, useState } from "react";
import { type MessageKey, useI18n } from "../shared/i18n.ts";

export interface Question {
  id: string;
  label: string;
  type: "text" | "textarea" | "phone" | "select" | "checkbox" | "number";
  required?: boolean;
  options?: string[];
}

export interface FormValues {
  name: string;
  email: string;
  notes: string;
  answers: Record<string, unknown>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function check(values: FormValues, questions: Question[]): Record<string, MessageKey> {
  const problems: Record<string, MessageKey> = {};
  if (!values.name.trim()) problems.name = "nameRequired";
  if (!EMAIL.test(values.email.trim())) problems.email = "emailInvalid";
  for (const question of questions) {
    const answer = values.answers[question.id];
    const empty = answer === undefined || answer === "" || (question.type === "checkbox" && answer !== true);
    if (question.required && empty) problems[question.id] = "answerRequired";
    else if (
      question.type === "number" &&
      answer !== undefined &&
      answer !== "" &&
      Number.isNaN(Number(answer))
    )
      problems[question.id] = "numberInvalid";
  }
  return problems;
}

/** The answers as the API takes them: numbers as numbers, empty optional answers left out. */
export function answersFor(values: FormValues, questions: Question[]): Record<string, unknown> {
  const answers: Record<string, unknown> = {};
  for (const question of questions) {
    const answer = values.answers[question.id];
    if (question.type === "checkbox") answers[question.id] = answer === true;
    else if (answer !== undefined && answer !== "")
      answers[question.id] = question.type === "number" ? Number(answer) : String(answer).trim();
  }
  return answers;
}

/**
 * Name, e-mail, notes and the event type's own questions. Problems show under their field as soon as the field is
 * left or the form is sent; the server's messages land in the same places (`serverErrors`).
 */
export function BookingForm(props: {
  questions: Question[];
  busy: boolean;
  serverErrors: Record<string, string>;
  serverMessage?: string | undefined;
  onSubmit: (values: FormValues) => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<FormValues>({ name: "", email: "", notes: "", answers: {} });
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [submitted, setSubmitted] = useState(false);
  const ownNotes = props.questions.some((question) => question.id === "notes");
  const problems = check(values, props.questions);
  const errorOf = (field: string): string | undefined => {
    const local = problems[field];
    if (local && (touched[field] || submitted)) return t(local);
    return props.serverErrors[field];
  };

  const fieldProps = (field: string) => {
    const error = errorOf(field);
    return {
      id: `${id}-${field}`,
      name: field,
      "aria-invalid": error ? true : undefined,
      "aria-describedby": error ? `${id}-${field}-error` : undefined,
      onBlur: () => setTouched((value) => ({ ...value, [field]: true })),
    };
  };
  const errorText = (field: string) => {
    const error = errorOf(field);
    return error ? (
      <p className="field-error" id={`${id}-${field}-error`}>
        <svg aria-hidden="true" viewBox="0 0 20 20">
          <circle cx="10" cy="10" r="8" fill="currentColor" />
          <path d="M10 5.5v5.5M10 13.5v1" stroke="#fff" strokeWidth="2" strokeLinecap="round" />
        </svg>
        {error}
      </p>
    ) : null;
  };
  const setAnswer = (question: string, answer: unknown) =>
    setValues((value) => ({ ...value, answers: { ...value.answers, [question]: answer } }));

  return (
    <form
      ref={form}
      className="booking-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        setSubmitted(true);
        const first = Object.keys(problems)[0];
        if (first) {
          form.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
          return;
        }
        props.onSubmit(values);
      }}
    >
      <h2 tabIndex={-1}>{t("yourDetails")}</h2>
      {props.serverMessage ? (
        <div className="notice notice-error" role="alert">
          <p>{props.serverMessage}</p>
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={`${id}-name`}>
          {t("name")}{" "}
          <span className="req" aria-hidden="true">
            *
          </span>
        </label>
        <input
          {...fieldProps("name")}
          autoComplete="name"
          required
          value={values.name}
          onChange={(event) => setValues({ ...values, name: event.target.value })}
        />
        {errorText("name")}
      </div>
      <div className="field">
        <label htmlFor={`${id}-email`}>
          {t("email")}{" "}
          <span className="req" aria-hidden="true">
            *
          </span>
        </label>
        <input
          {...fieldProps("email")}
          type="email"
          autoComplete="email"
          inputMode="email"
          required
          value={values.email}
          onChange={(event) => setValues({ ...values, email: event.target.value })}
        />
        {errorText("email")}
      </div>
      {props.questions.map((question) => {
        const answer = values.answers[question.id];
        const required = question.required ? (
          <span className="req" aria-hidden="true">
            *
          </span>
        ) : (
          <span className="muted small">({t("optional")})</span>
        );
        if (question.type === "checkbox")
          return (
            <div className="field check" key={question.id}>
              <input
                {...fieldProps(question.id)}
                type="checkbox"
                required={question.required}
                checked={answer === true}
                onChange={(event) => setAnswer(question.id, event.target.checked)}
              />
              <label htmlFor={`${id}-${question.id}`}>
                {question.label} {required}
              </label>
              {errorText(question.id)}
            </div>
          );
        return (
          <div className="field" key={question.id}>
            <label htmlFor={`${id}-${question.id}`}>
              {question.label} {required}
            </label>
            {question.type === "textarea" ? (
              <textarea
                {...fieldProps(question.id)}
                required={question.required}
                rows={3}
                value={String(answer ?? "")}
                onChange={(event) => setAnswer(question.id, event.target.value)}
              />
            ) : question.type === "select" ? (
              <select
                {...fieldProps(question.id)}
                required={question.required}
                value={String(answer ?? "")}
                onChange={(event) => setAnswer(question.id, event.target.value)}
              >
                <option value="">{t("chooseOption")}</option>
                {(question.options ?? []).map((option) => (
                  <option key={option} value={option}>
                    {option}
                  </option>
                ))}
              </select>
            ) : (
              <input
                {...fieldProps(question.id)}
                type={question.type === "phone" ? "tel" : question.type === "number" ? "number" : "text"}
                autoComplete={question.type === "phone" ? "tel" : "off"}
                required={question.required}
                value={String(answer ?? "")}
                onChange={(event) => setAnswer(question.id, event.target.value)}
              />
            )}
            {errorText(question.id)}
          </div>
        );
      })}
      {ownNotes ? null : (
        <div className="field">
          <label htmlFor={`${id}-notes`}>
            {t("notes")} <span className="muted small">({t("optional")})</span>
          </label>
          <textarea
            {...fieldProps("notes")}
            rows={3}
            value={values.notes}
            onChange={(event) => setValues({ ...values, notes: event.target.value })}
          />
          {errorText("notes")}
        </div>
      )}
      {submitted && Object.keys(problems).length > 0 ? (
        <p className="field-error" role="alert">
          {t("fixErrors")}
        </p>
      ) : null}
      <button type="submit" className="button primary wide" disabled={props.busy} aria-busy={props.busy}>
        {props.busy ? t("booking") : t("confirm")}
      </button>
    </form>
  );
}
