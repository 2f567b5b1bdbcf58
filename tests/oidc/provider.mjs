// A real OpenID Connect provider (the certified `oidc-provider`) for the web app's sign-in
// tests: one per municipality, started by the tests on a free loopback port.
//
// Configuration from the environment:
//   OIDC_CLIENTS  JSON list of {client_id, client_secret, redirect_uris}
//   OIDC_PORT     port to listen on (0: any free one)
// Prints one line, `issuer <url>`, once it answers; stops on SIGTERM.
//
// Sign-in uses the package's own development interactions: any login name and password are
// accepted, and the login name becomes the subject (`sub`) of the ID token.
import { createServer } from "node:http";
import Provider from "oidc-provider";

const clients = JSON.parse(process.env.OIDC_CLIENTS || "[]").map((client) => ({
  grant_types: ["authorization_code"],
  response_types: ["code"],
  token_endpoint_auth_method: "client_secret_basic",
  ...client,
}));

const server = createServer();
server.listen(Number(process.env.OIDC_PORT || 0), "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients,
    pkce: { required: () => true },
    cookies: { keys: ["innoledger-test-provider-cookie-key"] },
    claims: { openid: ["sub"], profile: ["name"] },
    findAccount: (ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, name: id }),
    }),
    ttl: { Session: 3600, Interaction: 3600, Grant: 3600, IdToken: 3600, AccessToken: 3600 },
  });
  provider.proxy = false;
  // Quiet the package's development-only warnings: this provider exists for tests alone.
  provider.on("server_error", (ctx, error) => console.error("oidc server_error", error));
  server.on("request", provider.callback());
  console.log(`issuer ${issuer}`);
});

process.on("SIGTERM", () => server.close(() => process.exit(0)));
process.on("SIGINT", () => server.close(() => process.exit(0)));
