/** The oldest Node.js major the packages support (their `engines`): libp2p 3 needs 22. */
export const MIN_NODE_MAJOR = 22

/**
 * Why `runner` (what the user started: "the bench", "the testnet") cannot run on Node.js `version`
 * (`process.version`), ending with `fix` (how to run it on the Node.js the repository installs), or
 * undefined when it can. A version it cannot read is refused too. On Node 20 the nodes start,
 * connect and report ready, and then never deliver an event: GossipSub's mesh never forms (seen by
 * the testnet's preflight, then by the bench's vs-go trios, "the mesh did not form within 30 s").
 *
 * @example
 * const problem = nodeVersionProblem(process.version, 'the bench', 'run it with `pnpm bench`')
 * if (problem !== undefined) throw new Error(problem)
 */
export function nodeVersionProblem(version: string, runner: string, fix: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1])
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return undefined
  return `Node.js ${version} runs ${runner}, but it needs Node.js ${MIN_NODE_MAJOR} or later: ${fix}`
}
