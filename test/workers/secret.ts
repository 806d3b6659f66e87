// The token secret the integration tests' Worker is configured with.
export const TEST_SECRET = "integration-tests-secret-0123456789abcdef";
