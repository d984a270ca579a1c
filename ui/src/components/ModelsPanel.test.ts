import { render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import ModelsPanel from "./ModelsPanel.svelte";

const api = vi.hoisted(() => ({
  hasBackend: () => true,
  engineDevice: vi.fn(async () => ({ line: "GPU: test", gpu: true, software: false, memoryGib: 23.6 as number | null })),
  memoryEstimate: vi.fn(async () => {
    throw new Error("no package");
  }),
  listModels: vi.fn(async () => ({ packages: [], modelsFolder: "/tmp/models", comfyuiFolder: null })),
  shotClipStates: vi.fn(async () => []),
  errorMessage: (e: unknown) => (typeof e === "string" ? e : String(e)),
}));
vi.mock("../lib/api", () => api);

function gpuField(): HTMLInputElement {
  return screen.getByTestId("models-gpu") as HTMLInputElement;
}

describe("ModelsPanel's GPU memory", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    localStorage.clear();
  });

  it("starts at the GPU's own memory when the OS reports it", async () => {
    render(ModelsPanel, { onclose: vi.fn() });
    await waitFor(() => expect(gpuField().value).toBe("23.6"));
    await waitFor(() => expect(api.memoryEstimate).toHaveBeenLastCalledWith(expect.objectContaining({ gpuGib: 23.6 })));
  });

  it("keeps the size the creator typed over the detected one", async () => {
    localStorage.setItem("motionboard.gpuGiB", "12");
    render(ModelsPanel, { onclose: vi.fn() });
    await waitFor(() => expect(api.memoryEstimate).toHaveBeenCalled());
    expect(gpuField().value).toBe("12");
    expect(api.engineDevice).not.toHaveBeenCalled();
  });

  it("falls back to 8 GiB when the GPU's memory is not known", async () => {
    api.engineDevice.mockResolvedValueOnce({ line: "GPU: test", gpu: true, software: false, memoryGib: null });
    render(ModelsPanel, { onclose: vi.fn() });
    await waitFor(() => expect(api.engineDevice).toHaveBeenCalled());
    expect(gpuField().value).toBe("8");
  });
});
