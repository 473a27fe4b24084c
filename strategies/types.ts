/** The strategy contract lives in the core (the engine runs it); strategies import it from here. */
export * from '../core/signal/contract.js';
