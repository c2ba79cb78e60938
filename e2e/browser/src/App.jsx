import { useEffect, useState } from 'react';
import { Authenticator } from '@aws-amplify/ui-react';
import { fetchUserAttributes } from 'aws-amplify/auth';

export function App() {
  return (
    <Authenticator>
      {({ signOut, user }) => <SignedIn user={user} signOut={signOut} />}
    </Authenticator>
  );
}

/** The signed-in line: the email from the user pool (GetUser), with the username. */
function SignedIn({ user, signOut }) {
  const [email, setEmail] = useState();
  const [error, setError] = useState();
  useEffect(() => {
    let current = true;
    fetchUserAttributes()
      .then((attributes) => current && setEmail(attributes.email))
      .catch((e) => current && setError(String(e?.message ?? e)));
    return () => {
      current = false;
    };
  }, [user?.userId]);

  return (
    <main style={{ padding: '2rem', fontFamily: 'sans-serif' }}>
      {error && <p role="alert">Could not read the user's attributes: {error}</p>}
      {email && (
        <p data-testid="signed-in">
          Signed in as <strong data-testid="signed-in-email">{email}</strong> (username{' '}
          <code data-testid="signed-in-username">{user?.username}</code>)
        </p>
      )}
      <button type="button" onClick={signOut}>
        Sign out
      </button>
    </main>
  );
}
