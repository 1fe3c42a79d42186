import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";

/** The tracer module as a Lambda function loads it: in a Lambda execution environment. */
function tracedOnLambda() {
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
    AWS_LAMBDA_FUNCTION_NAME: "createDeposit",
    POWERTOOLS_SERVICE_NAME: "createDeposit",
  });
  try {
    let module: typeof import("../../../functions/shared/observability/tracer") | undefined;
    jest.isolateModules(() => {
      module = require("../../../functions/shared/observability/tracer");
    });
    if (!module) throw new Error("not loaded");
    return module;
  } finally {
    process.env = saved;
  }
}

const middlewareNames = (client: { middlewareStack: { identify(): string[] } }) =>
  client.middlewareStack.identify().join(" ");

describe("traced(): the AWS SDK clients in the trace", () => {
  it.each([
    ["DynamoDB", () => new DynamoDBClient({ region: "eu-west-1" })],
    ["EventBridge", () => new EventBridgeClient({ region: "eu-west-1" })],
  ])(
    "adds X-Ray's capture to a %s client on Lambda, so each call is a subsegment",
    (_name, create) => {
      const { traced } = tracedOnLambda();
      const plain = create();

      const captured = traced(create());

      expect(middlewareNames(captured)).toMatch(/XRaySDKInstrumentation/);
      expect(middlewareNames(plain)).not.toMatch(/XRaySDKInstrumentation/);
    },
  );

  it("leaves a client as it is off Lambda (locally, in tests): no daemon to send to", () => {
    const { traced } =
      require("../../../functions/shared/observability/tracer") as typeof import("../../../functions/shared/observability/tracer");
    const client = new DynamoDBClient({ region: "eu-west-1" });

    expect(middlewareNames(traced(client))).toBe(
      middlewareNames(new DynamoDBClient({ region: "eu-west-1" })),
    );
  });
});
