"""A real RTSP server on loopback for the video tests: GStreamer's gst-rtsp-server (Debian packages
gir1.2-gst-rtsp-server-1.0, python3-gi, gstreamer1.0-plugins-base/good/ugly).

Run with the system Python (python3-gi is a Debian package, not in the venv)::

    /usr/bin/python3 rtsp_server.py PORT /mount=DIR [/mount=DIR ...]

Each mount serves the JPEG files of DIR (sorted) as a live H.264 stream: the picture shown at a
given moment is chosen by the wall clock at FPS frames per second, looping, so the stream behaves
like a live camera whether or not anyone watches. Prints ``ready`` when it listens.
"""

import sys
import time
from pathlib import Path

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

FPS = 10
PIPELINE = (
    f"( appsrc name=src is-live=true do-timestamp=true format=time caps=image/jpeg,framerate={FPS}/1 "
    "! jpegdec ! videoconvert ! video/x-raw,format=I420 "
    f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={FPS} ! rtph264pay name=pay0 pt=96 )"
)


def serve_frames(frames):
    def configure(_factory, media):
        src = media.get_element().get_by_name("src")
        state = {"timer": 0}

        def push():
            data = frames[int(time.time() * FPS) % len(frames)]
            src.emit("push-buffer", Gst.Buffer.new_wrapped(data))
            return True

        def unprepared(_media):
            if state["timer"]:
                GLib.source_remove(state["timer"])
                state["timer"] = 0

        state["timer"] = GLib.timeout_add(1000 // FPS, push)
        media.connect("unprepared", unprepared)

    return configure


def main():
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(sys.argv[1])
    mounts = server.get_mount_points()
    for spec in sys.argv[2:]:
        path, folder = spec.split("=", 1)
        frames = [p.read_bytes() for p in sorted(Path(folder).glob("*.jpg"))]
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(PIPELINE)
        factory.set_shared(True)
        factory.connect("media-configure", serve_frames(frames))
        mounts.add_factory(path, factory)
    if server.attach(None) == 0:
        sys.exit(f"cannot listen on 127.0.0.1:{sys.argv[1]}")
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
