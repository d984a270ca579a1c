import { describe, expect, it } from "vitest";
import { detectLocale, dictionaries, en, placeholders, translate, zhCN, type Key } from "./i18n";

describe("dictionaries", () => {
  it("have exactly the same keys in English and Simplified Chinese", () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });

  it("use the same placeholders in every translation", () => {
    for (const key of Object.keys(en) as Key[]) {
      expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it("have no empty strings", () => {
    for (const dict of Object.values(dictionaries)) {
      for (const [key, text] of Object.entries(dict)) expect(text.trim(), key).not.toBe("");
    }
  });

  it("are actually translated (Chinese text contains CJK characters)", () => {
    const untranslated = (Object.keys(en) as Key[]).filter(
      (k) => zhCN[k] === en[k] && !/^(app\.name)$/.test(k),
    );
    expect(untranslated).toEqual([]);
  });
});

describe("translate", () => {
  it("fills placeholders", () => {
    expect(translate("en", "status.image", { w: 1920, h: 1080 })).toBe("Image 1920 × 1080");
    expect(translate("zh-CN", "status.paths", { n: 3, max: 8 })).toBe("3 / 8 条路径");
  });

  it("leaves unknown placeholders visible", () => {
    expect(translate("en", "status.image", { w: 1 })).toBe("Image 1 × {h}");
  });
});

describe("detectLocale", () => {
  it.each([
    ["zh-CN", "zh-CN"],
    ["zh_CN.UTF-8", "zh-CN"],
    ["zh_CN.utf8@pinyin", "zh-CN"],
    ["zh", "zh-CN"],
    ["zh-Hans", "zh-CN"],
    ["zh-Hans-CN", "zh-CN"],
    ["zh-SG", "zh-CN"],
    ["ZH-cn", "zh-CN"],
    ["zh-TW", "en"],
    ["zh_HK.UTF-8", "en"],
    ["zh-Hant-TW", "en"],
    ["en-US", "en"],
    ["en_GB.UTF-8", "en"],
    ["de-DE", "en"],
    ["C", "en"],
    ["", "en"],
  ] as const)("%s -> %s", (locale, lang) => {
    expect(detectLocale(locale)).toBe(lang);
  });

  it("defaults to English without a locale", () => {
    expect(detectLocale(null)).toBe("en");
    expect(detectLocale(undefined)).toBe("en");
  });
});
