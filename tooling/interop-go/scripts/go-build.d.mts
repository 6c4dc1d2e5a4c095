export declare const GO_MODULE_DIR: string
export declare function findGo(): string | undefined
export declare const GO_SKIP_REASON: string | undefined
export declare function buildGoBinary(): Promise<string>
