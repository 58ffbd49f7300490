-- wrk script: cycles the request paths of the file given after "--" (one per line), each
-- wrk thread from a random place. Used by bench/compare.sh and bench/scale.sh.
local paths, i = {}, 0
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths)
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
