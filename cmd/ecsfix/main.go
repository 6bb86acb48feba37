// Command ecsfix finds the Amazon ECS misconfigurations AWS Security Hub reports and fixes them safely.
// The commands live in internal/cli; this is their terminal, cron and CI front end.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ecsfix/ecsfix/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.SystemStreams())
	stop()
	os.Exit(code)
}
