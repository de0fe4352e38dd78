// An access token from the sandbox's token endpoint over undici, as the reference programs
// (floor-list.mjs, least-plan.mjs) get one before their list requests.
import { request } from "undici";
import { SANDBOX_CLIENT_ID, SANDBOX_SECRET, SANDBOX_TENANT } from "./common.mjs";

export async function fetchSandboxToken(url) {
  const res = await request(`${url}/${SANDBOX_TENANT}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: SANDBOX_CLIENT_ID,
      client_secret: SANDBOX_SECRET,
    }).toString(),
  });
  const { access_token: token } = await res.body.json();
  return token;
}
