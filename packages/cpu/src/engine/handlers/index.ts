/** Loads every instruction family into the registry. */
import './alu.js';
import './atomic.js';
import './bits.js';
import './control.js';
import './data.js';
import './muldiv.js';
import './shift.js';
import './sse-float.js';
import './sse-int.js';
import './sse4.js';
import './sse42-strings.js';
import './string.js';
import './system.js';
import './x87.js';
