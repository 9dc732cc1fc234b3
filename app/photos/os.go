package photos

import "runtime"

const isWindows = runtime.GOOS == "windows"
