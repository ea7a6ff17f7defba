import { describe, expect, it } from "vitest"
import { MIN_FREE_MEMORY, memoryCheck, nodeCheck, redact } from "../../src/doctor/Checks.js"

describe("doctor checks without I/O", () => {
  it("needs Node 20.19 or newer", () => {
    expect(nodeCheck("20.19.0").status).toBe("PASS")
    expect(nodeCheck("22.1.0").status).toBe("PASS")
    expect(nodeCheck("24.13.0").status).toBe("PASS")
    expect(nodeCheck("20.18.3")).toMatchObject({ status: "FAIL", detail: expect.stringContaining("20.19 or newer") })
    expect(nodeCheck("18.20.4").status).toBe("FAIL")
  })

  it("warns under 512 MB of free memory, or under a cgroup limit that low", () => {
    const GB = 1024 ** 3
    expect(memoryCheck(4 * GB, 16 * GB, undefined)).toEqual({
      check: "memory",
      status: "PASS",
      detail: "4.0 GB free of 16.0 GB",
    })
    expect(memoryCheck(MIN_FREE_MEMORY - 1, 16 * GB, undefined).status).toBe("WARN")
    expect(memoryCheck(4 * GB, 16 * GB, 256 * 1024 ** 2)).toMatchObject({
      status: "WARN",
      detail: expect.stringContaining("limited to 256.0 MB"),
    })
    // an "unlimited" cgroup reports a huge number: not a limit
    expect(memoryCheck(4 * GB, 16 * GB, 2 ** 62).detail).toBe("4.0 GB free of 16.0 GB")
  })

  it("hides passwords in URLs it prints", () => {
    expect(redact(new URL("rediss://default:tok3n@redis.example.com:6380"))).toBe(
      "rediss://default:***@redis.example.com:6380",
    )
    expect(redact(new URL("redis://:tok3n@127.0.0.1:6379/0"))).toBe("redis://:***@127.0.0.1:6379/0")
    expect(redact(new URL("smtp://127.0.0.1:25"))).toBe("smtp://127.0.0.1:25")
  })
})
