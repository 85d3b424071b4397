"""What ParaView (pvpython) sees in an XDMF field file of ours: bounds, points, where ARRAY peaks.

Usage: pvpython --force-offscreen-rendering scripts/readers/paraview_field.py FILE.xmf ARRAY
           [--reader XDMFReader|Xdmf3ReaderS|Xdmf3ReaderT] [--grid NAME]
(runs headless: no X display needed; only reads data, renders nothing)

Opens FILE with the reader (default XDMFReader, ParaView's XDMF2 reader, which reads our
Version="3.0" CoRectMesh files; the Xdmf3 readers can be chosen to compare), fetches the data set
(the first block, or the block named --grid, of a multiblock result) and prints JSON:
paraview_version, xdmf_reader, data_type, grid (block name), dimensions (points per ParaView axis X, Y,
Z), spacing, origin, bounds [xmin, xmax, ymin, ymax, zmin, zmax], number_of_points, arrays (point
and cell array names), array, range [min, max], argmax (point index) and argmax_point: the position
(x, y, z) of the point where ARRAY is maximal in ParaView's coordinates (ParaView's X, Y, Z axes).

Axis convention: for a CoRectMesh with Dimensions="n0 n1 n2" ParaView's X has the LAST listed
dimension (fastest-varying index of the HDF5 dataset), Y the middle, Z the first; Origin and
Spacing (ORIGIN_DXDY / ORIGIN_DXDYDZ) are read in the same listed order. So a dataset stored with
axes (y, x, z) shows physical z along ParaView's X.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import run  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("array")
    ap.add_argument("--reader", default="XDMFReader",
                    choices=("XDMFReader", "Xdmf3ReaderS", "Xdmf3ReaderT"))
    ap.add_argument("--grid", help="block (Grid Name) to use when the file has several")
    a = ap.parse_args()

    def read():
        import numpy as np
        import paraview.simple as pvs
        from paraview import servermanager as sm
        from paraview.vtk.numpy_interface import dataset_adapter as dsa
        path = os.path.abspath(a.file)
        if not os.path.isfile(path):
            raise FileNotFoundError(path)
        if a.reader == "XDMFReader":
            reader = pvs.XDMFReader(FileNames=[path])
        else:
            reader = getattr(pvs, a.reader)(FileName=[path])
        reader.UpdatePipeline()
        obj = sm.Fetch(reader)
        if obj is None:
            raise RuntimeError(f"{a.reader} read no data from {path} (ParaView's messages: stderr)")
        name = None
        if obj.IsA("vtkMultiBlockDataSet"):
            blocks = []
            it = obj.NewIterator()
            it.InitTraversal()
            while not it.IsDoneWithTraversal():
                meta = it.GetCurrentMetaData()
                blocks.append((meta.Get(obj.NAME()) if meta.Has(obj.NAME()) else None,
                               it.GetCurrentDataObject()))
                it.GoToNextItem()
            pick = [b for b in blocks if a.grid is None or b[0] == a.grid]
            if not pick:
                raise ValueError(f"no block {a.grid!r}; blocks: {[b[0] for b in blocks]}")
            name, obj = pick[0]
        ds = dsa.WrapDataObject(obj)
        arrays = list(ds.PointData.keys()) + list(ds.CellData.keys())
        if a.array not in ds.PointData.keys():
            raise KeyError(f"no point array {a.array!r}; arrays: {arrays}")
        v = np.asarray(ds.PointData[a.array]).ravel()
        k = int(np.argmax(v))
        out = {"paraview_version": pvs.GetParaViewSourceVersion().split()[-1],
               "xdmf_reader": a.reader, "data_type": obj.GetClassName(), "grid": name,
               "number_of_points": int(obj.GetNumberOfPoints()),
               "bounds": list(obj.GetBounds()), "arrays": arrays, "array": a.array,
               "range": [float(v.min()), float(v.max())], "argmax": k,
               "argmax_point": list(obj.GetPoint(k))}
        if obj.IsA("vtkImageData"):
            out.update(dimensions=list(obj.GetDimensions()), spacing=list(obj.GetSpacing()),
                       origin=list(obj.GetOrigin()))
        return out
    run("paraview", read)


if __name__ == "__main__":
    main()
