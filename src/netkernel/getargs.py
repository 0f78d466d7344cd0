"""CPython 3.11's argument conversion for C methods (Python/getargs.c, Objects/abstract.c,
Objects/longobject.c), as socket methods use it: the format units "i", "n", "I", "y*", "w*", "s",
"O", the argument-count messages of PyArg_ParseTuple and PyArg_ParseTupleAndKeywords, and the
messages of METH_O / METH_NOARGS / METH_VARARGS methods called the wrong way.

Each converter takes the object and returns the C value, raising what CPython raises: an
exception a conversion function sets itself (TypeError from __index__, OverflowError from
PyLong_AsLong, ...) propagates unchanged; a unit that only reports what it expected raises
`ConvertError`, which `parsetuple` words as "f() argument N must be X, not Y" (or the format's
custom message after ';').
"""
from __future__ import annotations

from operator import index as _index
from netkernel.include.linux.uaccess import user_buffer

INT_MAX = (1 << 31) - 1
INT_MIN = -(1 << 31)
LONG_MAX = (1 << 63) - 1
LONG_MIN = -(1 << 63)
PY_SSIZE_T_MAX = LONG_MAX
_HEAPTYPE = 1 << 9        # Py_TPFLAGS_HEAPTYPE


class ConvertError(Exception):
    """converterr: the unit failed without setting an exception; `expected` names what it wanted."""

    def __init__(self, expected: str, arg):
        super().__init__(expected)
        self.expected = expected
        self.arg = arg


def tp_name(t: type) -> str:
    """A type's tp_name: the bare name for classes defined in Python, "module.name" for static
    C types outside builtins (decimal.Decimal)."""
    if t.__flags__ & _HEAPTYPE or t.__module__ == "builtins":
        return t.__name__
    return f"{t.__module__}.{t.__name__}"


def _argname(arg) -> str:
    return "None" if arg is None else tp_name(type(arg))


# ---------------------------------------------------------------- integers

def as_long(o) -> int:
    """PyLong_AsLong: __index__, then the C long range ("Python int too large to convert to C
    long")."""
    v = o if type(o) is int else _index(o)
    if not LONG_MIN <= v <= LONG_MAX:
        raise OverflowError("Python int too large to convert to C long")
    return v


def as_int(o) -> int:
    """_PyLong_AsInt: a C int ("Python int too large to convert to C int" either side, and for
    what does not fit a C long either)."""
    v = o if type(o) is int else _index(o)
    if not INT_MIN <= v <= INT_MAX:
        raise OverflowError("Python int too large to convert to C int")
    return v


def conv_i(o) -> int:
    """Format unit "i": PyLong_AsLong, then the int range, each side worded."""
    if type(o) is int and INT_MIN <= o <= INT_MAX:
        return o
    v = as_long(o)
    if v > INT_MAX:
        raise OverflowError("signed integer is greater than maximum")
    if v < INT_MIN:
        raise OverflowError("signed integer is less than minimum")
    return v


def conv_n(o) -> int:
    """Format unit "n" (Py_ssize_t): __index__, then PyLong_AsSsize_t's range."""
    v = o if type(o) is int else _index(o)
    if not LONG_MIN <= v <= LONG_MAX:
        raise OverflowError("Python int too large to convert to C ssize_t")
    return v


def conv_I(o) -> int:
    """Format unit "I": PyLong_AsUnsignedLongMask cut to an unsigned int, no range check."""
    v = o if type(o) is int else _index(o)
    return v & 0xFFFFFFFF


def conv_O(o):
    return o


def conv_none(o):
    """Format "O!" with NoneType."""
    if o is not None:
        raise ConvertError("NoneType", o)
    return o


# ---------------------------------------------------------------- buffers and strings

def get_buffer(o) -> bytes:
    """PyObject_GetBuffer(PyBUF_SIMPLE), as "y*" uses it: any C-contiguous buffer, its bytes
    (include/linux/uaccess.user_buffer)."""
    if type(o) is bytes:
        return o
    try:
        m = memoryview(o)
    except TypeError:
        raise TypeError(
            f"a bytes-like object is required, not '{tp_name(type(o))[:100]}'") from None
    if not m.c_contiguous:
        raise BufferError("memoryview: underlying buffer is not C-contiguous")
    # CPython hands the kernel a pointer: what a copy_from_user then finds there (a buffer
    # reaching into a PROT_NONE page faults in the kernel, not here)
    return user_buffer(m)


def conv_y_star(o) -> bytes:
    """Format unit "y*": the buffer's exception propagates as PyObject_GetBuffer words it."""
    return get_buffer(o)


def conv_w_star(o) -> memoryview:
    """Format unit "w*": a writable C-contiguous buffer, as unsigned bytes."""
    try:
        m = memoryview(o)
    except TypeError:
        raise ConvertError("read-write bytes-like object", o) from None
    if m.readonly or not m.c_contiguous:
        raise ConvertError("read-write bytes-like object", o)
    return m.cast("B") if m.format != "B" or m.ndim != 1 else m


def conv_s(o) -> bytes:
    """Format unit "s": a str, UTF-8 encoded, without NUL characters."""
    if not isinstance(o, str):
        raise ConvertError("str", o)
    b = o.encode("utf-8")         # lone surrogates: UnicodeEncodeError, as PyUnicode_AsUTF8
    if b"\0" in b:
        raise ValueError("embedded null character")
    return b


# ---------------------------------------------------------------- calling conventions

def _seterror(i: int, e: ConvertError, fname: str, message: str | None) -> TypeError:
    """seterror: "f() argument N must be X, not Y", or the format's custom message."""
    if message is not None:
        return TypeError(message)
    return TypeError(f"{fname}() argument {i} must be {e.expected}, not {_argname(e.arg)[:50]}")


def count_error(fname: str, nargs: int, nmin: int, nmax: int) -> TypeError:
    """vgetargs1's wording for a wrong number of positional arguments."""
    if nmin == nmax:
        how, n = "exactly", nmin
    elif nargs < nmin:
        how, n = "at least", nmin
    else:
        how, n = "at most", nmax
    return TypeError(f"{fname}() takes {how} {n} argument{'' if n == 1 else 's'} ({nargs} given)")


def parsetuple(args: tuple, fname: str, units: tuple, nmin: int,
               message: str | None = None) -> list:
    """PyArg_ParseTuple: count, then convert left to right; the first failure raises."""
    n = len(args)
    if n < nmin or n > len(units):
        if message is not None:
            raise TypeError(message)
        raise count_error(fname, n, nmin, len(units))
    out = []
    for i in range(n):
        try:
            out.append(units[i](args[i]))
        except ConvertError as e:
            raise _seterror(i + 1, e, fname, message) from None
    return out


def parsetuple_kw(args: tuple, kwargs: dict, fname: str, kwlist: tuple, units: tuple,
                  nmin: int) -> list:
    """PyArg_ParseTupleAndKeywords (vgetargskeywords): positional or by name; missing optional
    arguments come back as None."""
    nargs = len(args)
    nkw = len(kwargs)
    nmax = len(kwlist)
    if nargs + nkw > nmax:
        raise TypeError(f"{fname}() takes at most {nmax} {'keyword ' if nargs == 0 else ''}"
                        f"argument{'' if nmax == 1 else 's'} ({nargs + nkw} given)")
    out = [None] * nmax
    for i in range(nmax):
        if i < nargs:
            arg, have = args[i], True
        elif nkw and kwlist[i] in kwargs:
            arg, have = kwargs[kwlist[i]], True
            nkw -= 1
        else:
            arg, have = None, False
        if have:
            try:
                out[i] = units[i](arg)
            except ConvertError as e:
                raise _seterror(i + 1, e, fname, None) from None
            continue
        if i < nmin:
            raise TypeError(f"{fname}() missing required argument '{kwlist[i]}' (pos {i + 1})")
        if not nkw:
            return out
    if nkw:
        for i in range(nargs):
            if kwlist[i] in kwargs:
                raise TypeError(f"argument for {fname}() given by name ('{kwlist[i]}') "
                                f"and position ({i + 1})")
        for key in kwargs:
            if key not in kwlist:
                raise TypeError(f"'{key}' is an invalid keyword argument for {fname}()")
    return out


def no_keywords(qualname: str, kwargs: dict) -> None:
    """_PyArg_NoKwnames: a METH_VARARGS/METH_O/METH_NOARGS method takes no keywords.

    DIVERGENCE(#8): worded as for `s.recv(x=1)`; CPython drops the "socket." of a METH_VARARGS
    method called through a bound method object (`f = s.recv; f(x=1)`)."""
    if kwargs:
        raise TypeError(f"{qualname}() takes no keyword arguments")


def meth_o(qualname: str, args: tuple, kwargs: dict):
    """A METH_O method's one argument."""
    if kwargs:
        raise TypeError(f"{qualname}() takes no keyword arguments")
    if len(args) != 1:
        raise TypeError(f"{qualname}() takes exactly one argument ({len(args)} given)")
    return args[0]


def meth_noargs(qualname: str, args: tuple, kwargs: dict) -> None:
    """A METH_NOARGS method called with arguments."""
    if kwargs:
        raise TypeError(f"{qualname}() takes no keyword arguments")
    if args:
        raise TypeError(f"{qualname}() takes no arguments ({len(args)} given)")


_MISSING = object()


def python_args(qualname: str, names: tuple, args: tuple, kwargs: dict) -> list:
    """The arguments of a method written in Python as `def f(self, a, ...)` (no defaults), bound
    in the interpreter's order: unknown or repeated keywords, then too many positionals, then
    missing ones."""
    n = len(names)
    bound = list(args[:n]) + [_MISSING] * (n - min(len(args), n))
    for key, value in kwargs.items():
        if key not in names:
            raise TypeError(f"{qualname}() got an unexpected keyword argument '{key}'")
        i = names.index(key)
        if bound[i] is not _MISSING:
            raise TypeError(f"{qualname}() got multiple values for argument '{key}'")
        bound[i] = value
    if len(args) > n:
        raise TypeError(f"{qualname}() takes {n + 1} positional argument{'s' if n else ''} "
                        f"but {len(args) + 1} were given")
    missing = [name for name, v in zip(names, bound) if v is _MISSING]
    if missing:
        quoted = [f"'{m}'" for m in missing]
        listed = quoted[0] if len(quoted) == 1 else (
            ", ".join(quoted[:-1]) + (", and " if len(quoted) > 2 else " and ") + quoted[-1])
        raise TypeError(f"{qualname}() missing {len(missing)} required positional "
                        f"argument{'s' if len(missing) > 1 else ''}: {listed}")
    return bound


def python_noargs(qualname: str, args: tuple, kwargs: dict) -> None:
    """A method written in Python as `def f(self)` called with arguments."""
    python_args(qualname, (), args, kwargs)
