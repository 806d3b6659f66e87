// A command that could not do what it was asked for reasons other than a refused request
// (a run that ended failed, a wait that timed out): exit 1 with its message on stderr.
export class Failure extends Error {
  override name = "Failure";
}
