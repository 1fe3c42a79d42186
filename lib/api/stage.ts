/**
 * The REST API's stage: the first segment of every URL on AWS
 * (`https://<api>.execute-api.<region>.amazonaws.com/v1/accounts`), and what
 * `requestContext.stage` says, locally too.
 */
export const API_STAGE_NAME = "v1";
