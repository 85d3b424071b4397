"""Makes a foreign-looking H5MD snapshot for a bad-input test: copies FILE to OUT without particles/all/image and
moves the first particle one box length along x (outside the box, with nothing to say which image it is).
Usage: strip_images.py FILE OUT"""
import shutil
import sys

import h5py

shutil.copyfile(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    group = f["particles/all"]
    del group["image"]
    box = group["box/edges"]  # a time series [frames, d] (or [frames, d, d]) since 0.1.1, a dataset [d] before
    edges = box["value"][-1] if isinstance(box, h5py.Group) else box[()]
    group["position/value"][-1, 0, 0] += edges[0][0] if edges.ndim == 2 else edges[0]
