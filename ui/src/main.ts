import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";

const target = document.getElementById("app");
if (!target) throw new Error("#app is missing from index.html");

document.body.dataset.pathCount = "0";
document.body.dataset.imageLoaded = "false";

export default mount(App, { target });
