/** The oldest Node.js major the packages support (their `engines`): libp2p 3 needs 22. */
export const MIN_NODE_MAJOR = 22

/**
 * Why the bench cannot run on Node.js `version` (`process.version`), or undefined when it can. On
 * Node 20 the nodes start and connect and the vs-go trios' mesh never forms ("the mesh did not
 * form within 30 s"), as the testnet's preflight found for its nodes.
 */
export function nodeVersionProblem(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1])
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return undefined
  return (
    `Node.js ${version} runs the bench, but it needs Node.js ${MIN_NODE_MAJOR} or later: run it with ` +
    "`npx -y pnpm@12.21.0 bench`, or put the repository's node_modules/.bin (Node 24) first on PATH"
  )
}
