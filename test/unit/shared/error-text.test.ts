import { errorText } from "../../../provider/shared/error-text";

describe("errorText", () => {
  it("gives an Error's message (subclasses too) and any other thrown value as a string", () => {
    expect(errorText(new TypeError("bad type"))).toBe("bad type");
    expect(errorText("plain string")).toBe("plain string");
    expect(errorText(404)).toBe("404");
    expect(errorText(undefined)).toBe("undefined");
  });
});
