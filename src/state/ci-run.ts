/**
 * The CI run a process belongs to, from the variables CI services set, for the "locked by"
 * message: a team sees which job holds the state. Undefined outside CI.
 */
export function readCiRun(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GITHUB_ACTIONS === "true" && env.GITHUB_RUN_ID) {
    const server = env.GITHUB_SERVER_URL ?? "https://github.com";
    const where = env.GITHUB_REPOSITORY
      ? ` ${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : "";
    const attempt = env.GITHUB_RUN_ATTEMPT ? ` attempt ${env.GITHUB_RUN_ATTEMPT}` : "";
    return `GitHub Actions run ${env.GITHUB_RUN_ID}${attempt}${where}`;
  }
  if (env.GITLAB_CI === "true") return `GitLab CI job ${env.CI_JOB_ID ?? "?"} ${env.CI_JOB_URL ?? ""}`.trim();
  if (env.TF_BUILD === "True" && env.BUILD_BUILDID) {
    return `Azure Pipelines build ${env.BUILD_BUILDID} ${env.SYSTEM_COLLECTIONURI ?? ""}`.trim();
  }
  if (env.JENKINS_URL && env.BUILD_URL) return `Jenkins build ${env.BUILD_URL}`;
  if (env.CIRCLECI === "true" && env.CIRCLE_BUILD_URL) return `CircleCI job ${env.CIRCLE_BUILD_URL}`;
  if (env.BUILDKITE === "true" && env.BUILDKITE_BUILD_URL)
    return `Buildkite build ${env.BUILDKITE_BUILD_URL}`;
  return undefined;
}
