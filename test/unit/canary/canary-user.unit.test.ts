import type { CloudFormationCustomResourceEvent } from "aws-lambda";

// The custom resource that creates the canary's Cognito user. The AWS SDK
// clients are the Lambda runtime's, not dependencies of the project: virtual mocks.

const cognitoCalls: Array<{ command: string; input: Record<string, unknown> }> = [];
let cognitoFailure: { name: string } | undefined;

jest.mock(
  "@aws-sdk/client-secrets-manager",
  () => ({
    SecretsManagerClient: class {
      async send() {
        return {
          SecretString: JSON.stringify({ username: "payments-canary", password: "Pw-1!abcdefgh" }),
        };
      }
    },
    GetSecretValueCommand: class {
      constructor(readonly input: object) {}
    },
  }),
  { virtual: true },
);

jest.mock(
  "@aws-sdk/client-cognito-identity-provider",
  () => {
    const command = (name: string) =>
      class {
        readonly name = name;
        constructor(readonly input: Record<string, unknown>) {}
      };
    return {
      CognitoIdentityProviderClient: class {
        async send(sent: { name: string; input: Record<string, unknown> }) {
          cognitoCalls.push({ command: sent.name, input: sent.input });
          if (cognitoFailure && sent.name === "AdminCreateUserCommand") throw cognitoFailure;
          if (cognitoFailure && sent.name === "AdminDeleteUserCommand") throw cognitoFailure;
          return {};
        }
      },
      AdminCreateUserCommand: command("AdminCreateUserCommand"),
      AdminSetUserPasswordCommand: command("AdminSetUserPasswordCommand"),
      AdminDeleteUserCommand: command("AdminDeleteUserCommand"),
    };
  },
  { virtual: true },
);

import { handler } from "../../../lib/canary/canary-user.handler";

const responses: Array<Record<string, unknown>> = [];

beforeEach(() => {
  cognitoCalls.length = 0;
  responses.length = 0;
  cognitoFailure = undefined;
  jest.spyOn(global, "fetch").mockImplementation(async (_url, init) => {
    responses.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
    return new Response("");
  });
});
afterEach(() => jest.restoreAllMocks());

function event(requestType: "Create" | "Update" | "Delete"): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: "arn:aws:lambda:eu-west-1:123456789012:function:f",
    ResponseURL: "https://cloudformation-custom-resource-response.example/put",
    StackId: "stack-1",
    RequestId: "request-1",
    LogicalResourceId: "User",
    ResourceType: "Custom::CanaryUser",
    ResourceProperties: { ServiceToken: "t", UserPoolId: "pool-1", SecretArn: "arn:secret" },
  };
  if (requestType === "Create") return { ...common, RequestType: "Create" };
  if (requestType === "Update") {
    return {
      ...common,
      RequestType: "Update",
      PhysicalResourceId: "payments-canary",
      OldResourceProperties: { ServiceToken: "t" },
    };
  }
  return { ...common, RequestType: "Delete", PhysicalResourceId: "payments-canary" };
}

describe("the canary user resource", () => {
  it("creates the user without an invitation and sets the secret's password for good", async () => {
    // Act
    await handler(event("Create"));

    // Assess
    expect(cognitoCalls).toEqual([
      {
        command: "AdminCreateUserCommand",
        input: { UserPoolId: "pool-1", Username: "payments-canary", MessageAction: "SUPPRESS" },
      },
      {
        command: "AdminSetUserPasswordCommand",
        input: {
          UserPoolId: "pool-1",
          Username: "payments-canary",
          Password: "Pw-1!abcdefgh",
          Permanent: true,
        },
      },
    ]);
    expect(responses).toEqual([
      expect.objectContaining({
        Status: "SUCCESS",
        PhysicalResourceId: "payments-canary",
        RequestId: "request-1",
      }),
    ]);
  });

  it("sets the password again when the user exists (an update)", async () => {
    // Prepare
    cognitoFailure = { name: "UsernameExistsException" };

    // Act
    await handler(event("Update"));

    // Assess
    expect(cognitoCalls.map((call) => call.command)).toEqual([
      "AdminCreateUserCommand",
      "AdminSetUserPasswordCommand",
    ]);
    expect(responses[0]).toMatchObject({ Status: "SUCCESS" });
  });

  it("deletes the user with the stack, and a user already gone is no failure", async () => {
    // Prepare
    cognitoFailure = { name: "UserNotFoundException" };

    // Act
    await handler(event("Delete"));

    // Assess
    expect(cognitoCalls).toEqual([
      {
        command: "AdminDeleteUserCommand",
        input: { UserPoolId: "pool-1", Username: "payments-canary" },
      },
    ]);
    expect(responses[0]).toMatchObject({ Status: "SUCCESS" });
  });

  it("reports a failure to CloudFormation instead of leaving it waiting, without the password", async () => {
    // Prepare
    cognitoFailure = { name: "AccessDeniedException" };

    // Act
    await handler(event("Create"));

    // Assess
    expect(responses[0]).toMatchObject({ Status: "FAILED" });
    expect(JSON.stringify(responses)).not.toContain("Pw-1!abcdefgh");
  });
});
