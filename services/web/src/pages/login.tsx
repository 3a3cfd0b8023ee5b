import { useLocation } from 'preact-iso';
import { AccountForm, keepingNext } from '../components/account-form.js';
import { Field } from '../components/form.js';

export default function Login() {
  const { query } = useLocation();
  return (
    <>
      <AccountForm title="Log in" path="/users/auth/login" submit="Log in" busyLabel="Logging in…" fields={['email', 'password']}>
        <Field id="email" label="Email" type="email" autocomplete="email" required />
        <Field id="password" label="Password" type="password" autocomplete="current-password" required />
      </AccountForm>
      <p class="page">
        New here? <a href={keepingNext('/register', query)}>Create an account</a>
      </p>
    </>
  );
}
