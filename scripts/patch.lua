-- wrk script: PATCH one content item from every connection; counts accepted (200) and refused (409) edits.
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"content": "Edited under load: we show the price on the pricing page.\\n\\nReply with yours."}'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; conflict = 0; other = 0 end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 elseif status == 409 then conflict = conflict + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local a, c, o = 0, 0, 0
  for _, t in ipairs(threads) do a = a + t:get("ok"); c = c + t:get("conflict"); o = o + t:get("other") end
  io.write(string.format("accepted %d conflicts %d other %d\n", a, c, o))
end
