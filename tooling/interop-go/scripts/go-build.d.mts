export declare const GO_MODULE_DIR: string
export declare const GO_BINARY: string
export declare const GO_BUILD_TIMEOUT_MS: number
export declare function findGo(): string | undefined
export declare const GO_SKIP_REASON: string | undefined
export declare function buildGoBinary(): Promise<string>
