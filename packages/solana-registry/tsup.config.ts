export { default } from '@depin/tsup-config'
