import { BaseSequencer } from 'vitest/node'

export default class LongFirstSequencer extends BaseSequencer {}
