#!/usr/bin/env bash
# Starts RabbitMQ for the tests that use the broker (the Activiti adapter here, and every
# connector's workflows over it) when it is down.
#
# Idempotent and quick when the broker answers already. It starts the broker with
# `rabbitmq-server -detached` and waits for it (`rabbitmqctl await_startup`); when RabbitMQ
# is not installed it says so and fails, as the tests would.
set -euo pipefail

ADDRESS="127.0.0.1:5672"

listening() {
  (exec 3<>"/dev/tcp/${ADDRESS%:*}/${ADDRESS##*:}") 2>/dev/null
}

if listening; then
  exit 0
fi
if ! command -v rabbitmq-server >/dev/null 2>&1; then
  echo "setup_rabbitmq.sh: RabbitMQ is not running on $ADDRESS and is not installed;" >&2
  echo "  install it with: apt-get install rabbitmq-server" >&2
  exit 1
fi
echo "setup_rabbitmq.sh: starting RabbitMQ"
rabbitmq-server -detached
for _ in $(seq 1 120); do
  if listening; then
    exec rabbitmqctl await_startup
  fi
  sleep 1
done
echo "setup_rabbitmq.sh: RabbitMQ did not start on $ADDRESS within 120 s" >&2
exit 1
