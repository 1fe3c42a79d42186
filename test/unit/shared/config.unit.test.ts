import { loadHandlerConfig } from "../../../functions/shared/config";

const tables = { IDEMPOTENCY_TABLE_NAME: "idem", DATA_TABLE_NAME: "data" };

describe("handler configuration", () => {
  it("defaults the retention to 24 hours, the endpoint to AWS's own, and folds contended movements", () => {
    expect(loadHandlerConfig(tables)).toEqual({
      idempotencyTableName: "idem",
      dataTableName: "data",
      dynamoDbEndpoint: undefined,
      idempotencyRetentionSeconds: 86_400,
      movementFolding: true,
    });
  });

  it("turns folding off only when asked, and refuses a value it does not know", () => {
    expect(loadHandlerConfig({ ...tables, MOVEMENT_FOLDING: "off" }).movementFolding).toBe(false);
    expect(() => loadHandlerConfig({ ...tables, MOVEMENT_FOLDING: "no" })).toThrow(
      /MOVEMENT_FOLDING/,
    );
  });

  it("reads the retention and a local endpoint", () => {
    const config = loadHandlerConfig({
      ...tables,
      IDEMPOTENCY_RETENTION_SECONDS: "3600",
      DYNAMODB_ENDPOINT: "http://127.0.0.1:8000",
    });

    expect(config.idempotencyRetentionSeconds).toBe(3600);
    expect(config.dynamoDbEndpoint).toBe("http://127.0.0.1:8000");
  });

  it.each([
    ["a missing table name", { DATA_TABLE_NAME: "data" }, /IDEMPOTENCY_TABLE_NAME/],
    [
      "a retention that is not a number",
      { ...tables, IDEMPOTENCY_RETENTION_SECONDS: "a day" },
      /IDEMPOTENCY_RETENTION_SECONDS/,
    ],
    [
      "a retention under a minute",
      { ...tables, IDEMPOTENCY_RETENTION_SECONDS: "5" },
      /IDEMPOTENCY_RETENTION_SECONDS/,
    ],
    [
      "an endpoint that is not a URL",
      { ...tables, DYNAMODB_ENDPOINT: "localhost" },
      /DYNAMODB_ENDPOINT/,
    ],
  ])("refuses to start with %s, naming the variable", (_, environment, message) => {
    expect(() => loadHandlerConfig(environment)).toThrow(message);
  });
});
