#!/bin/sh
# Runs a pipelines/*.pipeline file under gst-launch-1.0.
#
#   pipelines/run-pipeline.sh [--no-audio-device] FILE.pipeline
#
# The file is gst-launch syntax; '#' starts a comment. The roomcast plugin
# is taken from $GST_PLUGIN_PATH, or from build/plugins next to this script.
# --no-audio-device replaces autoaudiosink with a clock-synced fakesink
# (CI machines have no sound card). Output files go to the current
# directory, or to $ROOMCAST_PIPELINE_OUTDIR if set.
#
# A file that never ends by itself (a room mixer with force-live=true keeps
# streaming after its inputs end, like the server's) says so with a line
# "# run-seconds: N": it is then interrupted after N seconds, which is a
# success unless gst-launch-1.0 reported an error before.
set -eu

no_audio=0
if [ "${1:-}" = "--no-audio-device" ]; then
	no_audio=1
	shift
fi
if [ $# -ne 1 ]; then
	echo "usage: $0 [--no-audio-device] FILE.pipeline" >&2
	exit 2
fi
file=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

if [ -z "${GST_PLUGIN_PATH:-}" ]; then
	GST_PLUGIN_PATH=$(cd "$(dirname "$0")/.." && pwd)/build/plugins
	export GST_PLUGIN_PATH
fi

description=$(sed -e 's/#.*$//' "$file" | tr '\n' ' ')
if [ $no_audio -eq 1 ]; then
	description=$(printf '%s' "$description" |
		sed -e 's/autoaudiosink/fakesink sync=true/g')
fi

if [ -n "${ROOMCAST_PIPELINE_OUTDIR:-}" ]; then
	mkdir -p "$ROOMCAST_PIPELINE_OUTDIR"
	cd "$ROOMCAST_PIPELINE_OUTDIR"
fi

seconds=$(sed -n -e 's/^# run-seconds: *\([0-9][0-9]*\) *$/\1/p' "$file" | head -n 1)

# Word splitting of $description is intended: the files contain no quotes.
if [ -n "$seconds" ]; then
	# No -e: EOS would never come out of a force-live mixer. gst-launch
	# exits 0 on one SIGINT; --foreground sends it to gst-launch only (a
	# second one, to the process group, could kill it while it tears
	# down). A hang after it is killed, and fails.
	# shellcheck disable=SC2086
	exec timeout --foreground --preserve-status -k 5 -s INT "$seconds" "${GST_LAUNCH:-gst-launch-1.0}" $description
fi
# shellcheck disable=SC2086
exec "${GST_LAUNCH:-gst-launch-1.0}" -e $description
