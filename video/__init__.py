"""Video: camera registry and OpenCV liveness checks (video issue).

Produces camera status points through the tag store like any other driver.
"""
