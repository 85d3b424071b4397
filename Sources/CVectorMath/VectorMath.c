// A C target needs one source file; everything lives inline in include/VectorMath.h.
#include "VectorMath.h"
