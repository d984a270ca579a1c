// Every string the UI shows, in English and Simplified Chinese. The zh-CN dictionary is typed
// with exactly the English keys, so a missing translation is a type error (and a unit test
// checks the placeholders match too).

export type Lang = "en" | "zh-CN";

export const LANGS: ReadonlyArray<{ id: Lang; label: string }> = [
  { id: "en", label: "English" },
  { id: "zh-CN", label: "简体中文" },
];

export const en = {
  "app.name": "Motionboard",
  "app.untitled": "Untitled",
  "app.unsaved": "Unsaved changes",
  "app.saved": "All changes saved",

  // Toolbar
  "toolbar.new": "New project",
  "toolbar.open": "Open project…",
  "toolbar.save": "Save project",
  "toolbar.import": "Import photo",
  "toolbar.importShort": "Import",
  "toolbar.select": "Select and edit",
  "toolbar.path": "Motion path",
  "toolbar.static": "Static brush",
  "toolbar.undo": "Undo",
  "toolbar.redo": "Redo",
  "toolbar.play": "Play",
  "toolbar.pause": "Pause",
  "toolbar.export": "Export video",
  "toolbar.exportShort": "Export",
  "toolbar.language": "Language",
  "toolbar.overlays": "Show paths and brushes",
  "toolbar.tools": "Tools",

  // Stage
  "stage.emptyTitle": "Bring a photo to life",
  "stage.emptyBody": "Import a photo, then draw where things should move.",
  "stage.emptyButton": "Import a photo",
  "stage.emptyHint": "or drag and drop a JPEG, PNG or WebP file here",
  "stage.drop": "Drop the photo to import it",
  "stage.loading": "Rendering preview…",
  "stage.label": "Canvas: draw motion paths on the photo",
  "stage.time": "{now} / {total} s",
  "stage.scrub": "Shot time",

  // Status bar
  "status.hint.select": "Click a path to select it · drag its handles to reshape · Delete removes it",
  "status.hint.path": "Press on what should move, drag the way it should go, release",
  "status.hint.static": "Paint what must stay still · [ and ] change the brush size",
  "status.hint.erase": "Drag over static paint to erase it",
  "status.hint.noImage": "Import a photo to start (I)",
  "status.image": "Image {w} × {h}",
  "status.fps": "Preview {fps} fps",
  "status.paths": "{n} / {max} paths",

  // Inspector
  "inspector.title": "Inspector",
  "inspector.brush": "Brush",
  "inspector.radius": "Radius",
  "inspector.radiusSelected": "Radius of the selected path",
  "inspector.paths": "Motion paths",
  "inspector.noPaths": "No paths yet. Choose the path tool (P) and drag on the photo.",
  "inspector.pathName": "Path {n}",
  "inspector.pathPoints": "{n} points",
  "inspector.deletePath": "Delete path",
  "inspector.static": "Static areas",
  "inspector.staticPaint": "Paint",
  "inspector.staticErase": "Erase",
  "inspector.staticClear": "Clear all",
  "inspector.staticCount": "{n} strokes",
  "inspector.staticNone": "Nothing painted. Static areas stay still while paths move.",
  "inspector.camera": "Camera move",
  "inspector.cameraKind": "Move",
  "inspector.cameraAmount": "Amount",
  "inspector.easing": "Easing",
  "inspector.duration": "Duration",
  "inspector.seconds": "seconds",
  "inspector.shot": "Shot",

  "camera.static": "Static",
  "camera.pan-left": "Pan left",
  "camera.pan-right": "Pan right",
  "camera.tilt-up": "Tilt up",
  "camera.tilt-down": "Tilt down",
  "camera.zoom-in": "Zoom in",
  "camera.zoom-out": "Zoom out",
  "camera.roll-left": "Roll left",
  "camera.roll-right": "Roll right",

  "easing.linear": "Linear",
  "easing.ease-in": "Ease in",
  "easing.ease-out": "Ease out",
  "easing.ease-in-out": "Ease in and out",

  // Export dialog
  "export.title": "Export video",
  "export.format": "Format",
  "export.original": "Original size",
  "export.square": "Square",
  "export.originalSize": "Same as the photo",
  "export.fps": "{fps} fps",
  "export.reframe": "Reframing",
  "export.fitCrop": "Crop to fill",
  "export.fitCropHint": "Fill the frame, trimming the edges",
  "export.fitBlur": "Fit over blur",
  "export.fitBlurHint": "Show the whole photo over a blurred backdrop",
  "export.fitNotNeeded": "The original size needs no reframing.",
  "export.summary": "{w} × {h} · {fps} fps · {seconds} s · H.264 MP4",
  "export.start": "Export…",
  "export.cancel": "Cancel",
  "export.close": "Close",
  "export.exporting": "Exporting frame {done} of {total}",
  "export.preparing": "Preparing…",
  "export.done": "Exported to",
  "export.cancelled": "Export cancelled. No file was written.",
  "export.failed": "Export failed",
  "export.noImage": "Every shot needs a photo before exporting.",
  "export.again": "Export again",

  // Confirm
  "confirm.title": "Save changes to “{name}”?",
  "confirm.body": "Your changes will be lost if you don't save them.",
  "confirm.save": "Save",
  "confirm.discard": "Don't save",
  "confirm.cancel": "Cancel",

  // Storyboard
  "storyboard.label": "Storyboard",
  "storyboard.addShot": "Add shot",
  "storyboard.duplicate": "Duplicate shot",
  "storyboard.delete": "Delete shot",
  "storyboard.moveLeft": "Move shot earlier",
  "storyboard.moveRight": "Move shot later",
  "storyboard.noPicture": "No picture",
  "storyboard.seconds": "{seconds} s",
  "storyboard.total": "Shots: {n} · {seconds} s",
  "storyboard.copyName": "{name} copy",
  "storyboard.confirmDelete": "Delete “{name}”?",
  "storyboard.confirmYes": "Delete",
  "storyboard.confirmNo": "Keep",
  "storyboard.pickHint": "Select a shot to edit it; drag a shot to reorder",

  // Shot settings in the inspector
  "inspector.prompt": "Prompt",
  "inspector.promptPlaceholder": "What happens in this shot",
  "inspector.transition": "Transition to next shot",
  "inspector.transitionSeconds": "Transition length",
  "inspector.transitionLast": "The last shot has no transition.",
  "transition.cut": "Cut",
  "transition.crossfade": "Crossfade",
  "transition.dip": "Dip to black",

  // Audio lane
  "audio.label": "Audio",
  "audio.add": "Add audio",
  "audio.empty": "No sound yet. Add music or a voice-over (WAV, FLAC, OGG, MP3, M4A).",
  "audio.start": "Start",
  "audio.trimIn": "Trim in",
  "audio.trimOut": "Trim out",
  "audio.gain": "Gain",
  "audio.db": "dB",
  "audio.delete": "Remove clip",
  "audio.clip": "Audio clip {name}",
  "audio.trimInHandle": "Drag to trim the start",
  "audio.trimOutHandle": "Drag to trim the end",

  // Notices
  "notice.maxPaths": "A shot can have at most {max} motion paths. Delete one to draw another.",
  "notice.recovered": "Unsaved changes from your last session were restored.",
  "notice.saved": "Saved to {dir}",
  "notice.unsupportedDrop": "Only JPEG, PNG and WebP photos can be imported.",
  "notice.importFailed": "Could not import the photo: {error}",
  "notice.openFailed": "Could not open the project: {error}",
  "notice.saveFailed": "Could not save the project: {error}",
  "notice.newFailed": "Could not create a project: {error}",
  "notice.autosaveFailed": "Autosave failed: {error}",
  "notice.previewFailed": "Preview failed: {error}",
  "notice.startFailed": "Could not start: {error}",
  "notice.nothingToUndo": "Nothing to undo",
  "notice.nothingToRedo": "Nothing to redo",
  "notice.dismiss": "Dismiss",
  "notice.needImage": "Import a photo first.",
  "notice.audioFailed": "Could not add the sound: {error}",
  "notice.audioWarning": "Only part of the sound could be read: {warning}",
  "notice.peaksFailed": "Could not draw the waveform of {name}: {error}",
} as const;

export type Key = keyof typeof en;
export type Dictionary = { readonly [K in Key]: string };

export const zhCN: Dictionary = {
  "app.name": "Motionboard",
  "app.untitled": "未命名",
  "app.unsaved": "有未保存的更改",
  "app.saved": "所有更改均已保存",

  "toolbar.new": "新建项目",
  "toolbar.open": "打开项目…",
  "toolbar.save": "保存项目",
  "toolbar.import": "导入照片",
  "toolbar.importShort": "导入",
  "toolbar.select": "选择与编辑",
  "toolbar.path": "运动路径",
  "toolbar.static": "静止笔刷",
  "toolbar.undo": "撤销",
  "toolbar.redo": "重做",
  "toolbar.play": "播放",
  "toolbar.pause": "暂停",
  "toolbar.export": "导出视频",
  "toolbar.exportShort": "导出",
  "toolbar.language": "语言",
  "toolbar.overlays": "显示路径和笔刷",
  "toolbar.tools": "工具",

  "stage.emptyTitle": "让照片动起来",
  "stage.emptyBody": "导入一张照片，然后画出想让它怎样运动。",
  "stage.emptyButton": "导入照片",
  "stage.emptyHint": "也可以把 JPEG、PNG 或 WebP 文件直接拖到这里",
  "stage.drop": "松开即可导入照片",
  "stage.loading": "正在生成预览…",
  "stage.label": "画布：在照片上绘制运动路径",
  "stage.time": "{now} / {total} 秒",
  "stage.scrub": "镜头时间",

  "status.hint.select": "点击路径即可选中 · 拖动控制点调整形状 · 按 Delete 删除",
  "status.hint.path": "按住要动的物体，沿着它该走的方向拖动，然后松开",
  "status.hint.static": "涂抹需要保持不动的区域 · 用 [ 和 ] 调整笔刷大小",
  "status.hint.erase": "在静止区域上拖动即可擦除",
  "status.hint.noImage": "先导入一张照片（I）",
  "status.image": "图片 {w} × {h}",
  "status.fps": "预览 {fps} 帧/秒",
  "status.paths": "{n} / {max} 条路径",

  "inspector.title": "属性",
  "inspector.brush": "笔刷",
  "inspector.radius": "半径",
  "inspector.radiusSelected": "所选路径的半径",
  "inspector.paths": "运动路径",
  "inspector.noPaths": "还没有路径。选择路径工具（P），在照片上拖动即可。",
  "inspector.pathName": "路径 {n}",
  "inspector.pathPoints": "{n} 个点",
  "inspector.deletePath": "删除路径",
  "inspector.static": "静止区域",
  "inspector.staticPaint": "涂抹",
  "inspector.staticErase": "擦除",
  "inspector.staticClear": "全部清除",
  "inspector.staticCount": "{n} 笔",
  "inspector.staticNone": "尚未涂抹。路径运动时，静止区域会保持不动。",
  "inspector.camera": "运镜",
  "inspector.cameraKind": "方式",
  "inspector.cameraAmount": "幅度",
  "inspector.easing": "缓动",
  "inspector.duration": "时长",
  "inspector.seconds": "秒",
  "inspector.shot": "镜头",

  "camera.static": "固定",
  "camera.pan-left": "向左平移",
  "camera.pan-right": "向右平移",
  "camera.tilt-up": "向上摇",
  "camera.tilt-down": "向下摇",
  "camera.zoom-in": "推近",
  "camera.zoom-out": "拉远",
  "camera.roll-left": "向左旋转",
  "camera.roll-right": "向右旋转",

  "easing.linear": "匀速",
  "easing.ease-in": "缓入",
  "easing.ease-out": "缓出",
  "easing.ease-in-out": "缓入缓出",

  "export.title": "导出视频",
  "export.format": "画面规格",
  "export.original": "原始尺寸",
  "export.square": "方形",
  "export.originalSize": "与照片相同",
  "export.fps": "{fps} 帧/秒",
  "export.reframe": "构图方式",
  "export.fitCrop": "裁切填满",
  "export.fitCropHint": "铺满画面，裁掉多余的边缘",
  "export.fitBlur": "模糊背景",
  "export.fitBlurHint": "完整显示照片，空白处用模糊背景填充",
  "export.fitNotNeeded": "原始尺寸无需调整构图。",
  "export.summary": "{w} × {h} · {fps} 帧/秒 · {seconds} 秒 · H.264 MP4",
  "export.start": "导出…",
  "export.cancel": "取消",
  "export.close": "关闭",
  "export.exporting": "正在导出第 {done} / {total} 帧",
  "export.preparing": "正在准备…",
  "export.done": "已导出到",
  "export.cancelled": "已取消导出，未写入任何文件。",
  "export.failed": "导出失败",
  "export.noImage": "每个镜头都需要一张照片才能导出。",
  "export.again": "再次导出",

  "confirm.title": "要保存对“{name}”的更改吗？",
  "confirm.body": "如果不保存，你的更改将会丢失。",
  "confirm.save": "保存",
  "confirm.discard": "不保存",
  "confirm.cancel": "取消",

  "storyboard.label": "故事板",
  "storyboard.addShot": "添加镜头",
  "storyboard.duplicate": "复制镜头",
  "storyboard.delete": "删除镜头",
  "storyboard.moveLeft": "镜头前移",
  "storyboard.moveRight": "镜头后移",
  "storyboard.noPicture": "无图片",
  "storyboard.seconds": "{seconds} 秒",
  "storyboard.total": "{n} 个镜头 · {seconds} 秒",
  "storyboard.copyName": "{name} 副本",
  "storyboard.confirmDelete": "删除“{name}”？",
  "storyboard.confirmYes": "删除",
  "storyboard.confirmNo": "保留",
  "storyboard.pickHint": "选择镜头进行编辑；拖动镜头调整顺序",

  "inspector.prompt": "提示词",
  "inspector.promptPlaceholder": "这个镜头里发生了什么",
  "inspector.transition": "到下一镜头的转场",
  "inspector.transitionSeconds": "转场时长",
  "inspector.transitionLast": "最后一个镜头没有转场。",
  "transition.cut": "硬切",
  "transition.crossfade": "交叉淡化",
  "transition.dip": "黑场过渡",

  "audio.label": "音频",
  "audio.add": "添加音频",
  "audio.empty": "还没有声音。添加音乐或旁白（WAV、FLAC、OGG、MP3、M4A）。",
  "audio.start": "开始",
  "audio.trimIn": "入点裁剪",
  "audio.trimOut": "出点裁剪",
  "audio.gain": "增益",
  "audio.db": "分贝",
  "audio.delete": "移除片段",
  "audio.clip": "音频片段 {name}",
  "audio.trimInHandle": "拖动以裁剪开头",
  "audio.trimOutHandle": "拖动以裁剪结尾",

  "notice.maxPaths": "每个镜头最多只能有 {max} 条运动路径。请先删除一条再画。",
  "notice.recovered": "已恢复上次未保存的更改。",
  "notice.saved": "已保存到 {dir}",
  "notice.unsupportedDrop": "只能导入 JPEG、PNG 和 WebP 格式的照片。",
  "notice.importFailed": "无法导入照片：{error}",
  "notice.openFailed": "无法打开项目：{error}",
  "notice.saveFailed": "无法保存项目：{error}",
  "notice.newFailed": "无法新建项目：{error}",
  "notice.autosaveFailed": "自动保存失败：{error}",
  "notice.previewFailed": "预览失败：{error}",
  "notice.startFailed": "启动失败：{error}",
  "notice.nothingToUndo": "没有可撤销的操作",
  "notice.nothingToRedo": "没有可重做的操作",
  "notice.dismiss": "关闭",
  "notice.needImage": "请先导入一张照片。",
  "notice.audioFailed": "无法添加声音：{error}",
  "notice.audioWarning": "只能读取声音的一部分：{warning}",
  "notice.peaksFailed": "无法绘制 {name} 的波形：{error}",
};

export const dictionaries: Record<Lang, Dictionary> = { en, "zh-CN": zhCN };

export type Params = Record<string, string | number>;

/** Looks up `key` in `lang` and fills {placeholders} from params. */
export function translate(lang: Lang, key: Key, params?: Params): string {
  const text = dictionaries[lang][key] ?? en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** The {placeholders} a string uses, sorted. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}

/**
 * The UI language for a system locale: Simplified Chinese for zh, zh-CN, zh_CN.UTF-8,
 * zh-Hans, zh-SG and the like; English for everything else (Traditional Chinese locales —
 * zh-TW, zh-HK, zh-MO, zh-Hant — included, since only Simplified is translated).
 */
export function detectLocale(locale: string | null | undefined): Lang {
  if (!locale) return "en";
  const tag = locale.trim().split(/[.@]/)[0].replace(/_/g, "-").toLowerCase();
  const parts = tag.split("-");
  if (parts[0] !== "zh") return "en";
  const rest = parts.slice(1);
  if (rest.includes("hant") || rest.some((p) => p === "tw" || p === "hk" || p === "mo")) return "en";
  return "zh-CN";
}

export function isLang(v: unknown): v is Lang {
  return v === "en" || v === "zh-CN";
}
