import { useLocation } from 'preact-iso';
import { AccountForm, keepingNext } from '../components/account-form.js';
import { Field } from '../components/form.js';

export default function Register() {
  const { query } = useLocation();
  return (
    <>
      <AccountForm
        title="Create an account"
        path="/users/auth/register"
        submit="Create account"
        busyLabel="Creating…"
        fields={['displayName', 'email', 'password']}
      >
        <Field id="displayName" label="Name" autocomplete="name" required maxLength={100} />
        <Field id="email" label="Email" type="email" autocomplete="email" required />
        <Field
          id="password"
          label="Password"
          type="password"
          autocomplete="new-password"
          required
          minLength={10}
          maxLength={128}
          hint="10 to 128 characters."
        />
      </AccountForm>
      <p class="page">
        Already registered? <a href={keepingNext('/login', query)}>Log in</a>
      </p>
    </>
  );
}
