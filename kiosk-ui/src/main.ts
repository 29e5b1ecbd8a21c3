/** Entry point: define the elements; index.html already holds <kiosk-app>. */
import './kiosk-app.js';
