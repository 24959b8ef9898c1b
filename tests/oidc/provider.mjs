// A real OpenID Connect provider (panva's certified `oidc-provider`) for the
// aod-ui test suite.  It listens on loopback only and keeps everything in memory.
//
// Usage:  node provider.mjs [PORT]        (PORT 0 or absent: pick a free port)
//
// On success the FIRST line on stdout is `READY <issuer>`, e.g.
// `READY http://127.0.0.1:41234`.  Later lines (oidc-provider notices, request
// errors) are informational only.  SIGTERM / SIGINT stop the server and exit 0.
//
// Environment (all optional except where noted):
//   OIDC_PORT                       port if no argv port is given (default 0)
//   OIDC_HOST                       bind address and issuer host (default 127.0.0.1)
//   OIDC_CLIENT_ID                  confidential client id (default aod-ui-test)
//   OIDC_CLIENT_SECRET              its secret (default aod-ui-test-secret)
//   OIDC_REDIRECT_URIS              JSON list, or whitespace/comma separated list
//                                   (default http://127.0.0.1/auth/callback)
//   OIDC_POST_LOGOUT_REDIRECT_URIS  same format (default: none)
//   OIDC_LOOPBACK_ANY_PORT          "1": a registered http loopback URI (127.0.0.1,
//                                   [::1], localhost) matches the same URI on any
//                                   port, as RFC 8252 section 7.3 allows; "0": exact
//                                   match only (default 0)
//   OIDC_REQUIRE_PKCE               "1": refuse authorization requests without
//                                   S256 PKCE (default 0: PKCE optional)
//   OIDC_ACCOUNTS                   JSON list of accounts replacing the defaults,
//                                   each {"username", "password", "sub", "email",
//                                   "email_verified", "name", "groups"} and optionally
//                                   "preferred_username" (default: username) and
//                                   "disabled"; a claim given as null is left out
//   OIDC_ID_TOKEN_ALG               the ID-token signing algorithm of the client,
//                                   advertised besides RS256 and ES256 (default RS256;
//                                   also HS256, signed with the client secret, or
//                                   none: the provider then advertises "none" first
//                                   and hands out its ID tokens unsigned, as a broken
//                                   or hostile provider would)
//   OIDC_CONTROL_TOKEN              enables the test control API below when set
//
// Test control API (only with OIDC_CONTROL_TOKEN; header x-control-token):
//   POST /_test/accounts/<username>  JSON object of claims and fields to change
//                                    ("groups", "email", "email_verified", "name",
//                                    "preferred_username", "disabled", ...; null
//                                    removes a claim); creates the account if new
//                                    (then "password" and "sub" are needed)
//   A disabled account cannot sign in, its tokens stop working at userinfo and
//   its refresh tokens are refused.
//
// Login interaction (no JavaScript needed):
//   GET  /interaction/<uid>          HTML form: inputs `login` (username or email)
//                                    and `password`, submit button "Sign in";
//                                    a second form with button "Cancel".
//   POST /interaction/<uid>/login    form body login=&password=; wrong
//                                    credentials re-render the form with HTTP 401
//                                    and the text "Invalid username or password."
//   POST /interaction/<uid>/abort    finishes with error=access_denied
//   Consent is granted automatically for the scopes/claims the client requested.
//
// RP-initiated logout: /session/end renders a page whose form
// (id "op.logoutForm", hidden xsrf and logout=yes, button "Yes, sign me out")
// submits itself with JavaScript; clients without JavaScript POST it themselves.

import crypto from 'node:crypto';
import http from 'node:http';
import process from 'node:process';

import Provider from 'oidc-provider';

// ---------------------------------------------------------------- settings

function env(name, fallback) {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

function uriList(name, fallback) {
  const raw = env(name, undefined);
  if (raw === undefined) return fallback;
  const text = raw.trim();
  if (text.startsWith('[')) return JSON.parse(text).map(String);
  return text.split(/[\s,]+/u).filter(Boolean);
}

function flag(name) {
  return ['1', 'true', 'yes', 'on'].includes(String(env(name, '0')).toLowerCase());
}

const portArg = process.argv[2] ?? env('OIDC_PORT', '0');
const port = Number.parseInt(portArg, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid port: ${portArg}`);
  process.exit(2);
}
const host = env('OIDC_HOST', '127.0.0.1');
const clientId = env('OIDC_CLIENT_ID', 'aod-ui-test');
const clientSecret = env('OIDC_CLIENT_SECRET', 'aod-ui-test-secret');
const redirectUris = uriList('OIDC_REDIRECT_URIS', ['http://127.0.0.1/auth/callback']);
const postLogoutRedirectUris = uriList('OIDC_POST_LOGOUT_REDIRECT_URIS', []);
const loopbackAnyPort = flag('OIDC_LOOPBACK_ANY_PORT');
const requirePkce = flag('OIDC_REQUIRE_PKCE');
const idTokenAlg = env('OIDC_ID_TOKEN_ALG', 'RS256');
const controlToken = env('OIDC_CONTROL_TOKEN', '');

const DEFAULT_ACCOUNTS = [
  {
    username: 'alice', password: 'secret-alice', sub: 'u-alice',
    email: 'alice@example.com', email_verified: true, name: 'Alice Admin', groups: ['aod-admins'],
  },
  {
    username: 'bob', password: 'secret-bob', sub: 'u-bob',
    email: 'bob@example.com', email_verified: true, name: 'Bob Developer', groups: ['developers'],
  },
  {
    username: 'eve', password: 'secret-eve', sub: 'u-eve',
    email: 'eve@other.org', email_verified: true, name: 'Eve Outsider', groups: [],
  },
  {
    username: 'carol', password: 'secret-carol', sub: 'u-carol',
    email: 'carol@example.com', email_verified: false, name: 'Carol Unverified', groups: ['aod-admins'],
  },
];

function makeAccount(a) {
  if (!a.username || !a.password) throw new Error(`account needs username and password: ${JSON.stringify(a)}`);
  return {
    ...a,
    username: String(a.username),
    password: String(a.password),
    sub: String(a.sub ?? a.username),
    email: a.email === undefined ? `${a.username}@example.com` : a.email,
    email_verified: a.email_verified === undefined ? true : a.email_verified,
    name: a.name === undefined ? a.username : a.name,
    preferred_username: a.preferred_username === undefined ? String(a.username) : a.preferred_username,
    groups: Array.isArray(a.groups) ? a.groups.map(String) : a.groups,
    disabled: Boolean(a.disabled),
  };
}

function loadAccounts() {
  const raw = env('OIDC_ACCOUNTS', undefined);
  const list = raw === undefined ? DEFAULT_ACCOUNTS : JSON.parse(raw);
  return list.map(makeAccount);
}

const accounts = loadAccounts();
const bySub = new Map(accounts.map((a) => [a.sub, a]));

const CLAIMS = ['email', 'email_verified', 'name', 'preferred_username', 'groups'];

// The claims an account releases; a claim set to null is left out, so tests can send it absent.
function claimsOf(account) {
  const out = { sub: account.sub };
  for (const name of CLAIMS) {
    if (account[name] !== null && account[name] !== undefined) out[name] = account[name];
  }
  return out;
}

function changeAccount(username, changes) {
  let account = accounts.find((a) => a.username === username);
  if (!account) {
    account = makeAccount({ ...changes, username });
    accounts.push(account);
    bySub.set(account.sub, account);
    return account;
  }
  for (const [key, value] of Object.entries(changes)) {
    if (key === 'username' || key === 'sub') continue;
    account[key] = key === 'disabled' ? Boolean(value) : value;
  }
  return account;
}

function accountForLogin(login) {
  const key = String(login ?? '').trim().toLowerCase();
  if (!key) return undefined;
  return accounts.find((a) => !a.disabled
    && (a.username.toLowerCase() === key || String(a.email ?? '').toLowerCase() === key));
}

function passwordMatches(account, password) {
  const a = Buffer.from(String(account.password));
  const b = Buffer.from(String(password ?? ''));
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

// ---------------------------------------------------------------- html

function esc(value) {
  return String(value ?? '')
    .replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f4f6;margin:0}
main{max-width:22rem;margin:3rem auto;background:#fff;padding:1.5rem 2rem;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.2)}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;box-sizing:border-box;padding:.4rem}
button{margin-top:1rem;padding:.5rem 1rem}.error{color:#b00020}.muted{color:#666;font-size:.9em}`;

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

function loginPage({ uid, clientName, scope, login, error }) {
  return page('Sign in', `<h1>Sign in</h1>
<p class="muted">to <strong>${esc(clientName)}</strong> (test OpenID provider)</p>
${error ? `<p class="error" id="login-error" role="alert">${esc(error)}</p>` : ''}
<form id="login-form" method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<label for="login">Username or email</label>
<input id="login" name="login" type="text" value="${esc(login)}" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${esc(uid)}/abort"><button type="submit">Cancel</button></form>
<p class="muted">Requested scopes: ${esc(scope)}</p>`);
}

// ---------------------------------------------------------------- provider

function loopbackWithoutPort(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' || !['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) {
    return undefined;
  }
  url.port = '';
  return url.href;
}

function redirectAllowed(value, registered) {
  if (registered.includes(value)) return true;
  if (!loopbackAnyPort) return false;
  const stripped = loopbackWithoutPort(value);
  return stripped !== undefined && registered.some((uri) => loopbackWithoutPort(uri) === stripped);
}

function buildConfiguration() {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { privateKey: rsaKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaJwk = { ...rsaKey.export({ format: 'jwk' }), kid: `rs-${crypto.randomUUID()}`, alg: 'RS256', use: 'sig' };
  const ecJwk = { ...privateKey.export({ format: 'jwk' }), kid: `es-${crypto.randomUUID()}`, alg: 'ES256', use: 'sig' };

  return {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      client_name: 'aod-ui (test client)',
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogoutRedirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // client_secret_post is accepted as well: oidc-provider lets a client
      // registered with client_secret_basic authenticate with either.
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: idTokenAlg === 'none' ? 'RS256' : idTokenAlg,
    }],
    enabledJWA: {
      idTokenSigningAlgValues: [...new Set(['RS256', 'ES256', idTokenAlg === 'none' ? 'RS256' : idTokenAlg])],
    },
    // RS256 first: the default signing key for ID tokens.
    jwks: { keys: [rsaJwk, ecJwk] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    // Put the claims of the granted scopes into the ID token, not only userinfo.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { methods: ['S256'], required: () => requirePkce },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      claimsParameter: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page('Sign out', `<h1>Sign out</h1>
<p>Sign out of the test OpenID provider at ${esc(ctx.host)}?</p>
${form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>')}
<button type="submit" form="op.logoutForm" autofocus>Yes, sign me out</button>
<script>document.forms['op.logoutForm'].submit()</script>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Signed out', '<h1>Signed out</h1><p>You have been signed out.</p>');
        },
      },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const account = bySub.get(sub);
      if (!account || account.disabled) return undefined;
      return {
        accountId: account.sub,
        async claims() {
          return claimsOf(account);
        },
      };
    },
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 120,
      ClientCredentials: 600,
      Grant: 86400,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 86400,
      Session: 86400,
      BackchannelAuthenticationRequest: 600,
      DeviceCode: 600,
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      const rows = Object.entries(out).map(([k, v]) => `<p><strong>${esc(k)}</strong>: ${esc(v)}</p>`).join('');
      ctx.body = page('Error', `<h1>Error</h1>${rows}`);
    },
  };
}

// ---------------------------------------------------------------- interactions

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(html);
}

async function grantConsent(provider, details) {
  const { prompt: { details: missing }, params, session } = details;
  const accountId = session.accountId;
  let grant;
  if (details.grantId) {
    grant = await provider.Grant.find(details.grantId);
  }
  if (!grant) {
    grant = new provider.Grant({ accountId, clientId: params.client_id });
  }
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  return grant.save();
}

async function handleInteraction(provider, req, res, url) {
  const match = /^\/interaction\/([^/]+)(?:\/(login|abort))?\/?$/u.exec(url.pathname);
  if (!match) return send(res, 404, page('Not found', '<h1>Not found</h1>'));
  const [, uid, action] = match;

  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    return send(res, 400, page('Error', `<h1>Login session not found</h1><p>${esc(err.message)}</p>`));
  }
  if (details.uid !== uid) {
    return send(res, 400, page('Error', '<h1>Login session mismatch</h1>'));
  }
  const { prompt, params } = details;
  const client = await provider.Client.find(params.client_id);
  const clientName = client?.clientName ?? params.client_id;

  if (req.method === 'GET' && !action) {
    if (prompt.name === 'consent') {
      const grantId = await grantConsent(provider, details);
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    return send(res, 200, loginPage({ uid, clientName, scope: params.scope, login: params.login_hint }));
  }

  if (req.method === 'POST' && action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  }

  if (req.method === 'POST' && action === 'login') {
    if (prompt.name !== 'login') {
      return send(res, 400, page('Error', '<h1>No login expected</h1>'));
    }
    const form = await readForm(req);
    const login = form.get('login') ?? '';
    const account = accountForLogin(login);
    if (!account || !passwordMatches(account, form.get('password'))) {
      return send(res, 401, loginPage({
        uid, clientName, scope: params.scope, login, error: 'Invalid username or password.',
      }));
    }
    return provider.interactionFinished(req, res, {
      login: { accountId: account.sub, amr: ['pwd'] },
    }, { mergeWithLastSubmission: false });
  }

  res.writeHead(405, { allow: 'GET, POST' });
  return res.end();
}

// ---------------------------------------------------------------- test control

async function handleControl(req, res, url) {
  const given = Buffer.from(String(req.headers['x-control-token'] ?? ''));
  const wanted = Buffer.from(controlToken);
  if (req.method !== 'POST' || given.length !== wanted.length || !crypto.timingSafeEqual(given, wanted)) {
    res.writeHead(403, { 'content-type': 'text/plain' });
    return res.end('forbidden');
  }
  const username = decodeURIComponent(url.pathname.slice('/_test/accounts/'.length));
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const account = changeAccount(username, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
  res.writeHead(200, { 'content-type': 'application/json' });
  return res.end(JSON.stringify(claimsOf(account)));
}

// ---------------------------------------------------------------- server

const server = http.createServer();
server.keepAliveTimeout = 1000;

server.listen(port, host, () => {
  const actualPort = server.address().port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const issuer = `http://${hostPart}:${actualPort}`;

  const provider = new Provider(issuer, buildConfiguration());
  provider.proxy = false;

  const original = {
    redirect: provider.Client.prototype.redirectUriAllowed,
    postLogout: provider.Client.prototype.postLogoutRedirectUriAllowed,
  };
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    return original.redirect.call(this, value) || redirectAllowed(value, this.redirectUris);
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(value) {
    return original.postLogout.call(this, value) || redirectAllowed(value, this.postLogoutRedirectUris ?? []);
  };

  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  if (idTokenAlg === 'none') {
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/.well-known/openid-configuration' && ctx.body) {
        ctx.body = { ...ctx.body, id_token_signing_alg_values_supported: ['none', 'RS256'] };
      } else if (ctx.path === '/token' && ctx.body?.id_token) {
        // at_hash is optional in the code flow, and a provider that signs nothing sends none
        const claims = JSON.parse(Buffer.from(ctx.body.id_token.split('.')[1], 'base64url').toString('utf8'));
        delete claims.at_hash;
        const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
        ctx.body = { ...ctx.body, id_token: `${header}.${payload}.` };
      }
    });
  }

  const callback = provider.callback();
  server.on('request', (req, res) => {
    const url = new URL(req.url, issuer);
    if (controlToken && url.pathname.startsWith('/_test/accounts/')) {
      handleControl(req, res, url).catch((err) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(String(err.message));
      });
      return;
    }
    if (url.pathname.startsWith('/interaction/')) {
      handleInteraction(provider, req, res, url).catch((err) => {
        console.error('interaction error', err);
        if (!res.headersSent) send(res, 500, page('Error', `<h1>Error</h1><p>${esc(err.message)}</p>`));
        else res.end();
      });
      return;
    }
    callback(req, res);
  });

  process.stdout.write(`READY ${issuer}\n`);
});

server.on('error', (err) => {
  console.error(`cannot listen on ${host}:${port}: ${err.message}`);
  process.exit(1);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
