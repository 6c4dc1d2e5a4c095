module github.com/depin/pubsub/tooling/netlab/delay-line

go 1.22
