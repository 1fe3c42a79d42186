// Node 20 is past its end of life for the AWS SDK, which warns on every
// client; the warning is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
