import { principalFromAuthorizer } from "../../../functions/idempotency/http/http-event";

// Where each API Gateway authorizer puts the caller, and what is not a caller.

describe("principalFromAuthorizer", () => {
  it.each([
    ["a REST API Cognito user pools authorizer (claims)", { claims: { sub: "alice", iss: "x" } }],
    [
      "a REST API Lambda authorizer (its context beside principalId)",
      { principalId: "alice", integrationLatency: 12, sub: "alice", iss: "x" },
    ],
    [
      "an HTTP API JWT authorizer (jwt.claims)",
      { principalId: "", integrationLatency: 0, jwt: { claims: { sub: "alice" }, scopes: [] } },
    ],
  ])("reads the sub of %s", (_name, authorizer) => {
    // Act
    const caller = principalFromAuthorizer({ requestContext: { authorizer } });

    // Assess
    expect(caller).toBe("alice");
  });

  it.each([
    ["no authorizer", undefined],
    ["claims without sub", { claims: { iss: "x" } }],
    ["an empty sub", { claims: { sub: "" } }],
    ["a Lambda authorizer context without sub", { principalId: "alice" }],
    ["a sub that is not a string", { principalId: "alice", sub: 42 }],
  ])("finds no caller in %s", (_name, authorizer) => {
    // Act & assess
    expect(principalFromAuthorizer({ requestContext: { authorizer } })).toBeUndefined();
  });
});
