#!/usr/bin/env bash
# A local Apache Spark standalone cluster for development and CI: one master and one
# worker on 127.0.0.1, in the background, with pid and log files in one folder.
#
#   scripts/spark-cluster.sh start|stop|status      (make spark-up / make spark-down)
#
# pyspark's pip package has no sbin/ scripts, so the two daemons are started with
# bin/spark-class from the package folder (SPARK_HOME). `start` returns once the master
# answers on its port and the worker has registered with it, so a build started next
# gets its executor at once. Settings (defaults in brackets):
#   SEGMENTS_SPARK_CLUSTER_DIR    [.spark-cluster]  pid files, logs, the worker's work dir
#   SEGMENTS_SPARK_PORT           [7077]  the master's port: spark://127.0.0.1:<port>,
#                                         the default of SEGMENTS_SPARK_MASTER in profiles.yml
#   SEGMENTS_SPARK_WORKER_CORES   [2]     small: the machine is shared
#   SEGMENTS_SPARK_WORKER_MEMORY  [2g]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
STATE=${SEGMENTS_SPARK_CLUSTER_DIR:-$PWD/.spark-cluster}
PORT=${SEGMENTS_SPARK_PORT:-7077}
CORES=${SEGMENTS_SPARK_WORKER_CORES:-2}
MEMORY=${SEGMENTS_SPARK_WORKER_MEMORY:-2g}
MASTER_URL="spark://127.0.0.1:$PORT"
WAIT_SECONDS=90

running() {  # running <name>: its pid file names a live process
  local pid_file="$STATE/$1.pid"
  [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

port_answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

launch() {  # launch <name> <spark-class arguments...>: in the background, own session
  local name=$1
  shift
  SPARK_LOCAL_IP=127.0.0.1 setsid "$SPARK_HOME/bin/spark-class" "$@" \
    >"$STATE/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/$name.pid"
}

wait_for() {  # wait_for <what> <command...>: until the command succeeds, or fail
  local what=$1
  shift
  for _ in $(seq "$WAIT_SECONDS"); do
    "$@" && return 0
    sleep 1
  done
  echo "spark-cluster: $what did not happen within ${WAIT_SECONDS}s; see $STATE/*.log" >&2
  stop
  exit 1
}

start() {
  command -v java >/dev/null || {
    echo "spark-cluster: no java on PATH: install Java 17 (Debian: apt-get install openjdk-17-jre-headless)." >&2
    exit 2
  }
  SPARK_HOME=$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null) || {
    echo "spark-cluster: pyspark is not installed in $PYTHON: run .venv/bin/pip install -e \".[spark]\"." >&2
    exit 2
  }
  export SPARK_HOME
  mkdir -p "$STATE/work"
  if running master; then
    echo "spark-cluster: already running at $MASTER_URL (pids $(cat "$STATE/master.pid") $(cat "$STATE/worker.pid" 2>/dev/null))."
    return 0
  fi
  if port_answers; then
    echo "spark-cluster: port $PORT is taken by another process: set SEGMENTS_SPARK_PORT." >&2
    exit 2
  fi
  launch master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$PORT" --webui-port 0
  wait_for "the master answering on port $PORT" port_answers
  launch worker org.apache.spark.deploy.worker.Worker "$MASTER_URL" --host 127.0.0.1 \
    --cores "$CORES" --memory "$MEMORY" --work-dir "$STATE/work" --webui-port 0
  wait_for "the worker registering" grep -q "Successfully registered with master" "$STATE/worker.log"
  echo "spark-cluster: running at $MASTER_URL (worker: $CORES cores, $MEMORY); logs in $STATE."
}

stop() {
  local name pid
  for name in worker master; do
    if running "$name"; then
      pid=$(cat "$STATE/$name.pid")
      kill "$pid"
      for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$STATE/$name.pid"
  done
  echo "spark-cluster: stopped."
}

status() {
  if running master && port_answers; then
    echo "spark-cluster: running at $MASTER_URL (master pid $(cat "$STATE/master.pid"), worker $(running worker && echo "pid $(cat "$STATE/worker.pid")" || echo "not running"))."
  else
    echo "spark-cluster: not running."
    exit 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
