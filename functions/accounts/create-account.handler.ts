import { composeRoute } from "../compose-route";
import { createHttpHandler } from "../shared/http/http-handler";
import { accountAnswers } from "./account-answers";
import { createAccountBodySchema } from "./account-schemas";
import { createAccount } from "./account-use-cases";
import { DynamoDbAccountRepository } from "./dynamodb-account-repository";

const { accounts, http } = composeRoute("createAccount", { accounts: DynamoDbAccountRepository });

export const handler = createHttpHandler({
  ...http,
  schemas: { body: createAccountBodySchema },
  handle: ({ caller, body }, ports) =>
    createAccount({ caller, currency: body.currency, name: body.name }, { accounts, ...ports }),
  respond: accountAnswers.createAccount,
});
