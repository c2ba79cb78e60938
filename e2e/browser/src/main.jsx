// The app a developer gets from the Amplify quickstart, reduced to sign-in: Amplify UI's
// <Authenticator> and, once signed in, who is signed in and a sign-out button.
//
// The backend's address is not baked into the build: `amplify_outputs.json` is fetched at
// start-up from next to the built files, so one build works with any sandbox port.
import { createRoot } from 'react-dom/client';
import { Amplify } from 'aws-amplify';
import { App } from './App.jsx';
import '@aws-amplify/ui-react/styles.css';

const root = createRoot(document.getElementById('root'));

async function start() {
  const response = await fetch('./amplify_outputs.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`amplify_outputs.json: HTTP ${response.status}`);
  Amplify.configure(await response.json());
  root.render(<App />);
}

start().catch((error) => {
  root.render(<p role="alert">Could not start: {String(error?.message ?? error)}</p>);
});
