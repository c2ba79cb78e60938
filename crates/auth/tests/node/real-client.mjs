// The official aws-amplify client (unmodified) against ampbase's user pool: sign-up, code
// from the sandbox mailbox, confirm, SRP sign-in, attributes, refresh, password change,
// sign-out (RevokeToken), USER_PASSWORD_AUTH, forgot password, global sign-out, delete.
// Driven by ../real_client.rs, which starts the server and passes ENDPOINT, POOL_ID, CLIENT_ID.
import assert from 'node:assert/strict';
import { Amplify } from 'aws-amplify';
import {
  signUp, confirmSignUp, signIn, signOut, getCurrentUser, fetchUserAttributes, fetchAuthSession,
  updateUserAttributes, confirmUserAttribute, updatePassword, resetPassword, confirmResetPassword,
  deleteUser, resendSignUpCode, setUpTOTP, verifyTOTPSetup, updateMFAPreference, fetchMFAPreference,
  confirmSignIn, autoSignIn,
} from 'aws-amplify/auth';
import { createHmac } from 'node:crypto';

// RFC 6238 (SHA-1, 30 s, 6 digits), computed here as an authenticator app would.
const totp = (secret, unix = Math.floor(Date.now() / 1000)) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '')) bits += alphabet.indexOf(c.toUpperCase()).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unix / 30)));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
};

const { ENDPOINT, POOL_ID, CLIENT_ID, IDENTITY_POOL_ID } = process.env;
const cognito = {
  userPoolId: POOL_ID, userPoolClientId: CLIENT_ID, userPoolEndpoint: ENDPOINT, loginWith: { email: true },
  identityPoolId: IDENTITY_POOL_ID, identityPoolEndpoint: ENDPOINT, allowGuestAccess: true,
};
Amplify.configure({ Auth: { Cognito: cognito } });

const t0 = Date.now();
const step = (name) => console.log(`real-client: ${name} (+${Date.now() - t0} ms)`);
const latestCode = async (to) => {
  const res = await fetch(`${ENDPOINT}_ampbase/mailbox?to=${encodeURIComponent(to)}&limit=1`);
  assert.equal(res.status, 200);
  const [message] = await res.json();
  assert.ok(message, `no message for ${to}`);
  return message.code;
};
const rejects = async (promise, name) => {
  try {
    await promise;
  } catch (e) {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    return e;
  }
  assert.fail(`expected ${name}`);
};

const email = `alice+${Date.now()}@example.com`;
let password = 'Passw0rd!';

step('guest identity');
const guest = await fetchAuthSession();
assert.match(guest.identityId, /^us-east-1:[0-9a-f-]{36}$/);
assert.match(guest.credentials.accessKeyId, /^ASIA/);
assert.ok(guest.credentials.sessionToken);
assert.ok(guest.credentials.expiration.getTime() > Date.now() + 55 * 60 * 1000);
assert.equal(guest.tokens, undefined);

step('signUp');
const up = await signUp({ username: email, password, options: { userAttributes: { email } } });
assert.equal(up.isSignUpComplete, false);
assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
assert.equal(up.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
await rejects(signUp({ username: email, password, options: { userAttributes: { email } } }), 'UsernameExistsException');
await rejects(signUp({ username: `x${email}`, password: 'short', options: { userAttributes: { email: `x${email}` } } }), 'InvalidPasswordException');

step('unconfirmed sign-in becomes CONFIRM_SIGN_UP');
const early = await signIn({ username: email, password });
assert.equal(early.nextStep.signInStep, 'CONFIRM_SIGN_UP');

step('resend + confirmSignUp');
await resendSignUpCode({ username: email });
const code = await latestCode(email);
await rejects(confirmSignUp({ username: email, confirmationCode: code === '000000' ? '111111' : '000000' }), 'CodeMismatchException');
const confirmed = await confirmSignUp({ username: email, confirmationCode: code });
assert.equal(confirmed.isSignUpComplete, true);

step('SRP sign-in (wrong password first)');
await rejects(signIn({ username: email, password: 'Wr0ng!pass' }), 'NotAuthorizedException');
const si = await signIn({ username: email, password });
assert.equal(si.isSignedIn, true, JSON.stringify(si));
const me = await getCurrentUser();
const attrs = await fetchUserAttributes();
assert.equal(attrs.email, email);
assert.equal(attrs.email_verified, 'true');
assert.equal(me.userId, attrs.sub);

step('authenticated identity: the cached guest identity is linked to the user');
const authed = await fetchAuthSession();
assert.equal(authed.identityId, guest.identityId);
assert.notEqual(authed.credentials.accessKeyId, guest.credentials.accessKeyId);

step('tokens and refresh');
const s1 = await fetchAuthSession();
assert.equal(s1.tokens.accessToken.payload.token_use, 'access');
assert.equal(s1.tokens.idToken.payload.email, email);
assert.ok(s1.tokens.accessToken.payload.origin_jti);
const s2 = await fetchAuthSession({ forceRefresh: true });
assert.notEqual(s2.tokens.accessToken.toString(), s1.tokens.accessToken.toString());
assert.equal(s2.tokens.accessToken.payload.origin_jti, s1.tokens.accessToken.payload.origin_jti);

step('attributes');
const upd = await updateUserAttributes({ userAttributes: { name: 'Alice', 'custom:tenant': 'acme' } });
assert.equal(upd.name.isUpdated, true);
assert.equal((await fetchUserAttributes())['custom:tenant'], 'acme');
const newEmail = `new-${email}`;
const changed = await updateUserAttributes({ userAttributes: { email: newEmail } });
assert.equal(changed.email.nextStep.updateAttributeStep, 'CONFIRM_ATTRIBUTE_WITH_CODE');
await confirmUserAttribute({ userAttributeKey: 'email', confirmationCode: await latestCode(newEmail) });
assert.equal((await fetchUserAttributes()).email_verified, 'true');

step('updatePassword, signOut, USER_PASSWORD_AUTH');
await rejects(updatePassword({ oldPassword: 'Wr0ng!pass', newPassword: 'N3w!Password' }), 'NotAuthorizedException');
await updatePassword({ oldPassword: password, newPassword: 'N3w!Password' });
password = 'N3w!Password';
await signOut();
const upa = await signIn({ username: newEmail, password, options: { authFlowType: 'USER_PASSWORD_AUTH' } });
assert.equal(upa.isSignedIn, true);
await signOut({ global: true });

step('forgot password');
const reset = await resetPassword({ username: newEmail });
assert.equal(reset.nextStep.resetPasswordStep, 'CONFIRM_RESET_PASSWORD_WITH_CODE');
password = 'R3set!Password';
await confirmResetPassword({ username: newEmail, confirmationCode: await latestCode(newEmail), newPassword: password });
assert.equal((await signIn({ username: newEmail, password })).isSignedIn, true);

step('TOTP MFA set-up and sign-in');
const setup = await setUpTOTP();
assert.equal(setup.sharedSecret.length, 32);
assert.match(setup.getSetupUri('ampbase').href, /^otpauth:\/\/totp\//);
await verifyTOTPSetup({ code: totp(setup.sharedSecret) });
await updateMFAPreference({ totp: 'PREFERRED' });
assert.deepEqual(await fetchMFAPreference(), { enabled: ['TOTP'], preferred: 'TOTP' });
await signOut();
const mfa = await signIn({ username: newEmail, password });
assert.equal(mfa.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_TOTP_CODE');
await rejects(confirmSignIn({ challengeResponse: '000000' === totp(setup.sharedSecret) ? '111111' : '000000' }), 'CodeMismatchException');
// The current step's code was spent on the set-up: the next step's is accepted (±1 step).
const done = await confirmSignIn({ challengeResponse: totp(setup.sharedSecret, Math.floor(Date.now() / 1000) + 30) });
assert.equal(done.isSignedIn, true);

step('deleteUser');
await deleteUser();
await rejects(signIn({ username: newEmail, password }), 'NotAuthorizedException');
step('passwordless: sign-up without a password, auto sign-in, EMAIL_OTP sign-in, SELECT_CHALLENGE');
Amplify.configure({
  Auth: { Cognito: { ...cognito, passwordless: { emailOtpEnabled: true } } },
});
const pl = `otp+${Date.now()}@example.com`;
const plUp = await signUp({ username: pl, options: { userAttributes: { email: pl }, autoSignIn: { authFlowType: 'USER_AUTH' } } });
assert.equal(plUp.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
const plConfirmed = await confirmSignUp({ username: pl, confirmationCode: await latestCode(pl) });
assert.equal(plConfirmed.nextStep.signUpStep, 'COMPLETE_AUTO_SIGN_IN');
assert.equal((await autoSignIn()).isSignedIn, true);
assert.equal((await fetchUserAttributes()).email, pl);
await signOut();
const otp = await signIn({ username: pl, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } });
assert.equal(otp.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
assert.equal(otp.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
assert.equal((await confirmSignIn({ challengeResponse: await latestCode(pl) })).isSignedIn, true);
await signOut();
const choose = await signIn({ username: pl, options: { authFlowType: 'USER_AUTH' } });
assert.equal(choose.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
assert.deepEqual(choose.nextStep.availableChallenges, ['EMAIL_OTP']);
const picked = await confirmSignIn({ challengeResponse: 'EMAIL_OTP' });
assert.equal(picked.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
assert.equal((await confirmSignIn({ challengeResponse: await latestCode(pl) })).isSignedIn, true);
await signOut();

step('administrator-created user: NEW_PASSWORD_REQUIRED, groups in tokens');
const invited = await signIn({ username: process.env.ADMIN_USER, password: process.env.ADMIN_TEMP_PASSWORD });
assert.equal(invited.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED');
const chosen = await confirmSignIn({ challengeResponse: 'Ch0sen!Password' });
assert.equal(chosen.isSignedIn, true);
const adminSession = await fetchAuthSession();
assert.deepEqual(adminSession.tokens.accessToken.payload['cognito:groups'], ['ADMINS']);
await signOut();
assert.equal((await signIn({ username: process.env.ADMIN_USER, password: 'Ch0sen!Password' })).isSignedIn, true);
await signOut();
console.log('real-client: OK');
// The client keeps timers (auto sign-in keeps one for 3 minutes): do not wait for them.
process.exit(0);
