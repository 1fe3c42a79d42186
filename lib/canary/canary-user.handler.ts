import type { CloudFormationCustomResourceEvent } from "aws-lambda";
import { readCanaryCredentials } from "./canary-credentials";
import { callRuntimeSdk } from "./runtime-sdk";

/**
 * A CloudFormation custom resource: the canary's Cognito user, with the
 * password of its secret, permanent (no first-sign-in change), and no
 * invitation mail. Deleted with the stack. It answers CloudFormation itself
 * (a PUT to the presigned ResponseURL), so no provider framework is needed.
 */

const cognito = () => require("@aws-sdk/client-cognito-identity-provider") as unknown;

interface CanaryUserProperties {
  readonly UserPoolId: string;
  readonly SecretArn: string;
}

async function putUser(properties: CanaryUserProperties): Promise<string> {
  const { username, password } = await readCanaryCredentials(properties.SecretArn);
  try {
    await callRuntimeSdk(cognito(), "CognitoIdentityProviderClient", "AdminCreateUserCommand", {
      UserPoolId: properties.UserPoolId,
      Username: username,
      MessageAction: "SUPPRESS",
    });
  } catch (error) {
    // An update finds the user there: only the password is set again.
    if ((error as { name?: string }).name !== "UsernameExistsException") throw error;
  }
  await callRuntimeSdk(cognito(), "CognitoIdentityProviderClient", "AdminSetUserPasswordCommand", {
    UserPoolId: properties.UserPoolId,
    Username: username,
    Password: password,
    Permanent: true,
  });
  return username;
}

async function deleteUser(properties: CanaryUserProperties, username: string): Promise<void> {
  try {
    await callRuntimeSdk(cognito(), "CognitoIdentityProviderClient", "AdminDeleteUserCommand", {
      UserPoolId: properties.UserPoolId,
      Username: username,
    });
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== "UserNotFoundException" && name !== "ResourceNotFoundException") throw error;
  }
}

export async function handler(event: CloudFormationCustomResourceEvent): Promise<void> {
  const properties = event.ResourceProperties as unknown as CanaryUserProperties;
  let status: "SUCCESS" | "FAILED" = "SUCCESS";
  let reason = "";
  let physicalId = "PhysicalResourceId" in event ? event.PhysicalResourceId : "canary-user";
  try {
    if (event.RequestType === "Delete") await deleteUser(properties, physicalId);
    else physicalId = await putUser(properties);
  } catch (error) {
    status = "FAILED";
    reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  const body = JSON.stringify({
    Status: status,
    Reason: reason || "See the function's log",
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  await fetch(event.ResponseURL, { method: "PUT", headers: { "content-type": "" }, body });
}
